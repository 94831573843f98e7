// Package main is the panics corpus plugin: funcs that hit runtime errors or
// panic explicitly with values of several types, funcs that recover, and a
// deep recursion that makes the goroutine stack grow. None of its panics
// leave state behind, so normal calls keep working afterwards.
package main

import (
	"errors"
	"fmt"
)

// Calls counts the calls that returned normally, so the host can see that a
// panic did not corrupt the plugin.
var Calls int

// IndexOutOfRange indexes a 3-element slice with i.
func IndexOutOfRange(i int) int {
	xs := []int{10, 20, 30}
	v := xs[i]
	Calls++
	return v
}

// ArrayIndex indexes a 4-element array with i.
func ArrayIndex(i int) int {
	var a [4]int
	a[0] = 7
	return a[i]
}

// StringIndex returns the byte of s at i.
func StringIndex(s string, i int) byte { return s[i] }

// SliceBounds returns xs[lo:hi] of a 5-element slice.
func SliceBounds(lo, hi int) []int {
	xs := []int{0, 1, 2, 3, 4}
	return xs[lo:hi]
}

// SliceCap returns xs[lo:hi:max] of a 5-element slice.
func SliceCap(lo, hi, max int) []int {
	xs := []int{0, 1, 2, 3, 4}
	return xs[lo:hi:max]
}

// NilMapWrite writes into a nil map.
func NilMapWrite(k string) {
	var m map[string]int
	m[k] = 1
}

// NilMapRead reads from a nil map, which is allowed.
func NilMapRead(k string) (int, bool) {
	var m map[string]int
	v, ok := m[k]
	return v, ok
}

// node is used for nil pointer dereferences.
type node struct {
	val  int
	next *node
}

// NilDeref follows next pointers n times from a one-node list.
func NilDeref(n int) int {
	p := &node{val: 1}
	for i := 0; i < n; i++ {
		p = p.next
	}
	return p.val
}

// cell is what StoreNil stores into.
type cell struct{ a, b int }

// storeBoth stores v through p, then through q: two stores with nothing between
// them.
//
//go:noinline
func storeBoth(p, q *cell, v int) {
	p.a = v
	q.b = v
}

// StoreNil stores through a nil pointer and right after through a live one,
// recovers, and reports what recover got and whether the second store took
// place: it must not, the fault stops the goroutine at the first.
func StoreNil(v int) string {
	var live cell
	out := try(func() { storeBoth(nil, &live, v) })
	return fmt.Sprintf("%s; second store: %d", out, live.b)
}

// DivZero divides a by b.
func DivZero(a, b int) int { return a / b }

// ModZero takes a modulo b.
func ModZero(a, b int64) int64 { return a % b }

// DivFloat divides floats: division by zero gives an infinity, no panic.
func DivFloat(a, b float64) float64 { return a / b }

// Assert asserts that the value Box(kind) holds is a string.
func Assert(kind string) string { return box(kind).(string) }

// AssertIface asserts that box(kind) implements error.
func AssertIface(kind string) string { return box(kind).(error).Error() }

func box(kind string) any {
	switch kind {
	case "int":
		return 1
	case "string":
		return "a string"
	case "error":
		return errors.New("an error")
	}
	return nil
}

// ConvertSlice converts a slice of length n to an array pointer of length 4.
func ConvertSlice(n int) int {
	s := make([]int, n)
	p := (*[4]int)(s)
	return len(p)
}

// ClosedChannel sends on a closed channel.
func ClosedChannel() {
	c := make(chan int, 1)
	close(c)
	c <- 1
}

// CloseTwice closes a channel twice.
func CloseTwice() {
	c := make(chan int)
	close(c)
	close(c)
}

// NegativeMake makes a slice of length n.
func NegativeMake(n int) int { return len(make([]byte, n)) }

// Kaboom panics with a string.
func Kaboom() { panic("kaboom") }

// PanicError panics with an error made by errors.New.
func PanicError() { panic(errors.New("error value in panic")) }

// PanicSprintf panics with a formatted string.
func PanicSprintf(n int) { panic(fmt.Sprintf("bad value %d (%q)", n, "quoted")) }

// PanicInt panics with an int.
func PanicInt(n int) { panic(n) }

// PanicFloat panics with a float64.
func PanicFloat() { panic(2.5) }

// Plain has no methods.
type Plain struct {
	Code   int
	Reason string
}

// Stringer has a String method.
type Stringer struct{ Code int }

func (s Stringer) String() string { return fmt.Sprintf("Stringer(%d)", s.Code) }

// Failure has an Error method on its pointer.
type Failure struct{ Op string }

func (f *Failure) Error() string { return "failure in " + f.Op }

// PanicPlain panics with a struct without methods.
func PanicPlain() { panic(Plain{Code: 7, Reason: "plain"}) }

// PanicStringer panics with a value that has a String method.
func PanicStringer() { panic(Stringer{Code: 9}) }

// PanicFailure panics with a pointer that has an Error method.
func PanicFailure() { panic(&Failure{Op: "write"}) }

// PanicWrapped panics with an error wrapping another with %w.
func PanicWrapped() { panic(fmt.Errorf("outer: %w", &Failure{Op: "inner"})) }

// PanicNil panics with nil; since Go 1.21 that becomes *runtime.PanicNilError.
func PanicNil() { panic(nil) }

// PanicInDefer panics, and a deferred func panics again; the second one wins.
func PanicInDefer() {
	defer func() { panic("second panic, from defer") }()
	panic("first panic")
}

// Repanic recovers a panic and panics again with a new value wrapping it.
func Repanic() {
	defer func() {
		r := recover()
		panic(fmt.Sprintf("repanic: %v", r))
	}()
	var m map[int]int
	m[1] = 1
}

// SafeDiv divides a by b, converting a panic into an error.
func SafeDiv(a, b int) (q int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	q = a / b
	return q, nil
}

// SafeIndex returns xs[i], or -1 and the recovered value's text.
func SafeIndex(xs []int, i int) (v int, msg string) {
	defer func() {
		if r := recover(); r != nil {
			v, msg = -1, fmt.Sprint(r)
		}
	}()
	return xs[i], "ok"
}

// Try calls the named panicking func and reports what recover got: its
// dynamic type, its text and whether it is a runtime.Error.
func Try(name string) string {
	fns := map[string]func(){
		"index":   func() { IndexOutOfRange(5) },
		"nilmap":  func() { NilMapWrite("k") },
		"nilptr":  func() { NilDeref(3) },
		"div":     func() { DivZero(1, 0) },
		"assert":  func() { Assert("int") },
		"kaboom":  Kaboom,
		"error":   PanicError,
		"int":     func() { PanicInt(3) },
		"plain":   PanicPlain,
		"failure": PanicFailure,
		"nil":     PanicNil,
	}
	fn, ok := fns[name]
	if !ok {
		return "unknown " + name
	}
	return try(fn)
}

func try(fn func()) (out string) {
	defer func() {
		r := recover()
		_, isRuntime := r.(interface{ RuntimeError() })
		out = fmt.Sprintf("%T runtime=%v: %v", r, isRuntime, r)
	}()
	fn()
	return "no panic"
}

// Depth recurses n levels with a 64-byte array live on each level's frame
// across the recursive call and returns a checksum of the frames, forcing
// the goroutine stack to grow well past its initial size.
func Depth(n int) int {
	if n <= 0 {
		return 0
	}
	var frame [8]int64
	for i := range frame {
		frame[i] = int64(n + i)
	}
	r := Depth(n - 1)
	var s int64
	for _, v := range frame {
		s += v
	}
	return r + int(s%7)
}

// PanicDeep recurses n levels and then panics; the panic unwinds them all.
func PanicDeep(n int) int {
	if n <= 0 {
		panic(fmt.Sprintf("deep panic after %s", "recursion"))
	}
	return PanicDeep(n-1) + 1
}

// Ok is a normal call, used after the panics.
func Ok(x int) int {
	Calls++
	return x * 2
}
