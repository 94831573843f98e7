// Package main is the initpanic corpus plugin: its init func prints a line
// and then panics, so plugin.Open never returns normally. A host must not
// open it again in the same process: Go leaves the plugin half-loaded and a
// second Open would wait forever for its initialisation to finish.
package main

import "fmt"

// Started is set by a var initialiser, which runs before the init func.
var Started = start()

func start() bool {
	fmt.Println("initpanic: var initialiser ran")
	return true
}

func init() {
	fmt.Println("initpanic: init starting")
	panic("initpanic: refusing to start")
}

// Unreachable would be callable had init returned.
func Unreachable() string { return "unreachable" }
