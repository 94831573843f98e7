package main

import "example.com/corpus/initorder/recorder"

// Order is the recorded initialisation order, copied by the last init func.
var Order []string

// Count is the number of steps recorded when Order was set.
var Count = recorder.Step("main.Count (order.go)")

func init() {
	recorder.Step("main.init #3 (order.go)")
	Order = recorder.Snapshot()
	Count = len(Order)
}

// Recorded returns the steps recorded so far, including any made after init.
func Recorded() []string { return recorder.Snapshot() }

// Record records one more step (after initialisation) and returns its position.
func Record(name string) int { return recorder.Step(name) }
