// Package main is the skewa corpus plugin: built without tags, it links v1
// of example.com/corpus/skewlib.
package main

import "example.com/corpus/skewlib"

// LibVersion is the skewlib version this plugin was built with.
var LibVersion = skewlib.Version

// Hello greets name through skewlib.
func Hello(name string) string { return skewlib.Greet(name) }
