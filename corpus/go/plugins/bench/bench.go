// Package main is the benchmark plugin (benchmarks/bench_emulate.py): hello's Add and Greet, a
// map-heavy func and a CPU-bound func, so one plugin has every call the benchmark times. It
// has no scenario: the benchmark host (go/benchhost) runs it, not the reference host.
package main

import (
	"fmt"
	"strconv"
)

// Add adds two ints.
func Add(a, b int) int { return a + b }

// Greet greets name through fmt.
func Greet(name string) string { return fmt.Sprintf("hello, %s", name) }

// Words counts n words (n/2 distinct ones, each seen twice) in a map[string]int and returns
// how many distinct words it holds: map inserts, lookups, growth and string allocation.
func Words(n int) int {
	counts := map[string]int{}
	for i := 0; i < n; i++ {
		counts["w"+strconv.Itoa(i/2)]++
	}
	return len(counts)
}

// Spin runs a CPU-bound loop of n iterations (no memory traffic) and returns its checksum.
func Spin(n int) int {
	x := uint64(88172645463325252)
	for i := 0; i < n; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		x += uint64(i)
	}
	return int(x >> 1)
}
