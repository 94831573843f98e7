//go:build skewb

// Package skewlib exists in two versions, chosen by the skewb build tag, so
// that the skewa and skewb plugins link different versions of the same
// package and Go refuses to load both into one process.
package skewlib

// Version is this version of the package.
const Version = "v2"

// Greet greets name, the v2 way.
func Greet(name string) string { return "HELLO " + name + " FROM SKEWLIB " + Version }
