// Package main is built with -buildmode=c-shared: a shared library, not a plugin.
package main

import "C"

//export Twice
func Twice(x C.int) C.int { return 2 * x }

func main() {}
