// Package main is the visibility corpus plugin. Of everything declared here,
// only the exported package-level funcs and vars become plugin symbols:
// constants, types, methods, generic funcs (which have no single
// implementation) and unexported names cannot be looked up, even though the
// exported funcs use them.
package main

import (
	"fmt"
	"strings"
)

// Exported constants: not symbols.
const (
	MaxItems         = 3
	Greeting         = "hi"
	Pi       float64 = 3.25
)

// Point is an exported type with methods.
type Point struct{ X, Y int }

// Add is a value-receiver method.
func (p Point) Add(q Point) Point { return Point{p.X + q.X, p.Y + q.Y} }

// String formats p.
func (p Point) String() string { return fmt.Sprintf("(%d, %d)", p.X, p.Y) }

// Scale is a pointer-receiver method: it changes *p.
func (p *Point) Scale(k int) { p.X *= k; p.Y *= k }

// hidden is an unexported method.
func (p Point) hidden() int { return p.X * p.Y }

// Number is an exported constraint.
type Number interface {
	~int | ~int64 | ~float64
}

// Map is a generic func: not a symbol, only its instantiations exist.
func Map[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

// SumOf is a generic func over a constraint.
func SumOf[T Number](xs ...T) T {
	var s T
	for _, x := range xs {
		s += x
	}
	return s
}

// Pair is a generic type.
type Pair[K comparable, V any] struct {
	Key K
	Val V
}

// unexported helper and state used by the exported funcs.
var calls int

func helper(s string) string {
	calls++
	return strings.ToUpper(s) + strings.Repeat("!", calls)
}

// Shout uses the unexported helper and var.
func Shout(s string) string { return helper(s) }

// Calls reports how often helper ran.
func Calls() int { return calls }

// Lengths instantiates the generic Map.
func Lengths(words []string) []int {
	return Map(words, func(s string) int { return len(s) })
}

// Total instantiates the generic SumOf twice.
func Total(xs []int, ys []float64) (int, float64) {
	return SumOf(xs...), SumOf(ys...)
}

// Limit uses the exported constants.
func Limit(xs []string) (string, float64) {
	if len(xs) > MaxItems {
		xs = xs[:MaxItems]
	}
	return Greeting + " " + strings.Join(xs, ","), Pi
}

// NewPoint returns a Point value, whose value methods the host can call.
func NewPoint(x, y int) Point { return Point{x, y} }

// NewPointPtr returns a *Point, whose pointer methods the host can call too.
func NewPointPtr(x, y int) *Point { return &Point{x, y} }

// Hidden calls the unexported method.
func Hidden(p Point) int { return p.hidden() }

// Origin is an exported var of an exported type.
var Origin = Point{0, 0}

// IntPair is an exported var of an instantiated generic type.
var IntPair = Pair[string, int]{Key: "answer", Val: 42}

// AddFn is a method expression stored in a var.
var AddFn = Point.Add

// SumInts is an instantiation of the generic SumOf stored in a var: the var
// is a symbol although SumOf is not.
var SumInts = SumOf[int]

// CallSumInts calls whatever SumInts holds.
func CallSumInts(xs ...int) int { return SumInts(xs...) }

// secret is an unexported var.
var secret = "not visible"

// Secret exposes secret's length only.
func Secret() int { return len(secret) }
