// Package main is the smallest corpus plugin: a var set by init, a func using
// fmt and a pure func.
package main

import "fmt"

// Counter is set by init.
var Counter int64

func init() { Counter = 42 }

// Greet greets name through fmt.
func Greet(name string) string { return fmt.Sprintf("hello, %s", name) }

// Add adds two ints.
func Add(a, b int) int { return a + b }
