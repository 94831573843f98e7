// Package main is the funcs corpus plugin: exported funcs taking and
// returning values of the basic and composite kinds, several results,
// (T, error) pairs, variadics, closures, interfaces, structs, pointers, maps,
// long argument lists that overflow the register ABI, and large results.
//
// Float results only combine values whose products are exact, so that fused
// multiply-add on arm64, ppc64le and s390x cannot change a result's last bit.
package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ---- basic kinds ----

// Negate returns -x.
func Negate(x int) int { return -x }

// IncInt8 adds one to x, wrapping at 127.
func IncInt8(x int8) int8 { return x + 1 }

// Widen converts small ints to an int64 sum.
func Widen(a int8, b int16, c int32, d uint8, e uint16, f uint32) int64 {
	return int64(a) + int64(b) + int64(c) + int64(d) + int64(e) + int64(f)
}

// AddU64 adds with overflow detection.
func AddU64(a, b uint64) (sum uint64, overflow bool) {
	sum = a + b
	return sum, sum < a
}

// Halve returns x/2 as float32 and float64.
func Halve(x float64) (float32, float64) { return float32(x / 2), x / 2 }

// MulComplex multiplies two complex128 values.
func MulComplex(a, b complex128) complex128 { return a * b }

// Conj64 returns the conjugate of a complex64.
func Conj64(c complex64) complex64 { return complex(real(c), -imag(c)) }

// Not negates a bool.
func Not(b bool) bool { return !b }

// RuneInfo returns the rune as a string, its UTF-8 length and its code point.
func RuneInfo(r rune) (string, int, int32) { return string(r), utf8.RuneLen(r), r }

// NextByte returns b+1 (wrapping).
func NextByte(b byte) byte { return b + 1 }

// UpperBytes returns an upper-cased copy of ASCII letters in b.
func UpperBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// Reverse returns s with its runes reversed.
func Reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// Swap returns its arguments swapped.
func Swap(a, b string) (string, string) { return b, a }

// Reverse3 reverses an array.
func Reverse3(a [3]int) [3]int { return [3]int{a[2], a[1], a[0]} }

// Transpose transposes a 2x2 matrix.
func Transpose(m [2][2]float64) [2][2]float64 {
	return [2][2]float64{{m[0][0], m[1][0]}, {m[0][1], m[1][1]}}
}

// Split splits s on sep; an empty s gives a nil slice.
func Split(s, sep string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, sep)
}

// Stats returns the min, max and count of xs, and whether xs was non-empty.
func Stats(xs []int) (lo, hi, n int, ok bool) {
	if len(xs) == 0 {
		return 0, 0, 0, false
	}
	lo, hi = xs[0], xs[0]
	for _, x := range xs {
		if x < lo {
			lo = x
		}
		if x > hi {
			hi = x
		}
	}
	return lo, hi, len(xs), true
}

// ---- errors ----

// ErrNegative is a sentinel error.
var ErrNegative = errors.New("negative input")

// RangeError is a custom error type with a pointer receiver.
type RangeError struct {
	Value, Min, Max int
}

func (e *RangeError) Error() string {
	if e == nil {
		return "<nil *RangeError>"
	}
	return fmt.Sprintf("%d is out of range [%d, %d]", e.Value, e.Min, e.Max)
}

// CodeError is a custom error type with a value receiver.
type CodeError struct {
	Code int
	Msg  string
}

func (e CodeError) Error() string { return fmt.Sprintf("code %d: %s", e.Code, e.Msg) }

// Sqrt returns the integer square root of x, or ErrNegative.
func Sqrt(x int) (int, error) {
	if x < 0 {
		return 0, ErrNegative
	}
	return int(math.Sqrt(float64(x))), nil
}

// ParsePercent parses s as an int in [0, 100]; errors wrap the cause with %w.
func ParsePercent(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("parse percent %q: %w", s, err)
	}
	if n < 0 || n > 100 {
		return 0, &RangeError{Value: n, Min: 0, Max: 100}
	}
	return n, nil
}

// Check returns a CodeError for a non-zero code, nil otherwise.
func Check(code int) error {
	if code == 0 {
		return nil
	}
	return CodeError{Code: code, Msg: "check failed"}
}

// TypedNil returns a nil *RangeError as an error: a non-nil interface.
func TypedNil() error {
	var e *RangeError
	return e
}

// Classify reports how ParsePercent's error for s relates to known errors.
func Classify(s string) string {
	_, err := ParsePercent(s)
	var re *RangeError
	var ne *strconv.NumError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &re):
		return fmt.Sprintf("range: value %d", re.Value)
	case errors.Is(err, strconv.ErrSyntax) && errors.As(err, &ne):
		return "syntax: " + ne.Num
	default:
		return "other: " + err.Error()
	}
}

// ---- variadics ----

// Sum adds its arguments.
func Sum(xs ...int) int {
	total := 0
	for _, x := range xs {
		total += x
	}
	return total
}

// Join joins parts with sep, reporting how many parts it got.
func Join(sep string, parts ...string) (string, int) {
	return strings.Join(parts, sep), len(parts)
}

// ---- closures ----

// MakeCounter returns a closure counting its calls from 1.
func MakeCounter() func() int {
	n := 0
	return func() int {
		n++
		return n
	}
}

// MakeAdder returns a closure adding n to its argument.
func MakeAdder(n int) func(int) int {
	return func(x int) int { return x + n }
}

// Compose returns a closure applying MakeAdder(a) then multiplying by m.
func Compose(a, m int) func(int) (int, string) {
	add := MakeAdder(a)
	return func(x int) (int, string) {
		r := add(x) * m
		return r, fmt.Sprintf("(%d+%d)*%d", x, a, m)
	}
}

// ---- any ----

// Describe reports the dynamic type and value of v.
func Describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case int:
		return "int " + strconv.Itoa(x)
	case float64:
		return "float64 " + strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return "string " + strconv.Quote(x)
	case bool:
		return "bool " + strconv.FormatBool(x)
	case []int:
		return fmt.Sprintf("[]int of %d", len(x))
	default:
		return fmt.Sprintf("other %T", x)
	}
}

// Echo returns v unchanged.
func Echo(v any) any { return v }

// Box wraps kind-selected values into an any.
func Box(kind string) any {
	switch kind {
	case "int":
		return 7
	case "string":
		return "boxed"
	case "slice":
		return []string{"x", "y"}
	case "map":
		return map[string]int{"k": 1}
	case "struct":
		return Point{X: 1, Y: 2}
	case "pointer":
		return &Point{X: 3, Y: 4}
	case "error":
		return ErrNegative
	}
	return nil
}

// ---- interfaces ----

// Shape is an interface with methods; NewShape returns implementations.
type Shape interface {
	Area() float64
	Name() string
	Scale(f float64) Shape
}

type square struct{ side float64 }

func (s square) Area() float64         { return s.side * s.side }
func (s square) Name() string          { return "square" }
func (s square) Scale(f float64) Shape { return square{s.side * f} }

type circle struct{ r float64 }

func (c *circle) Area() float64         { return math.Pi * c.r * c.r }
func (c *circle) Name() string          { return "circle" }
func (c *circle) Scale(f float64) Shape { return &circle{c.r * f} }

// NewShape returns a "square" or "circle" of the given size, or nil.
func NewShape(kind string, size float64) Shape {
	switch kind {
	case "square":
		return square{size}
	case "circle":
		return &circle{size}
	}
	return nil
}

// TotalArea sums the areas of n squares of sides 1..n through the interface.
func TotalArea(n int) float64 {
	var shapes []Shape
	for i := 1; i <= n; i++ {
		shapes = append(shapes, NewShape("square", float64(i)))
	}
	total := 0.0
	for _, s := range shapes {
		total += s.Area()
	}
	return total
}

// ---- structs, pointers, maps ----

// Point is a small struct.
type Point struct{ X, Y int }

// Address is nested in Person.
type Address struct {
	City string
	Zip  string
}

// Person is a struct with fields of several kinds.
type Person struct {
	Name string
	Age  int
	Tags []string
	Home Address
	Boss *Person
}

// Birthday returns p one year older (p itself is a copy).
func Birthday(p Person) Person {
	p.Age++
	p.Tags = append(append([]string(nil), p.Tags...), "older")
	return p
}

// NewPerson returns a pointer to a new Person.
func NewPerson(name string, age int) *Person {
	return &Person{Name: name, Age: age, Home: Address{City: "Nowhere", Zip: "00000"}}
}

// Rename renames the person p points to and returns p; nil gives an error.
func Rename(p *Person, name string) (*Person, error) {
	if p == nil {
		return nil, errors.New("rename: nil person")
	}
	p.Name = name
	return p, nil
}

// Chain returns a person whose Boss is another person.
func Chain(worker, boss string) Person {
	return Person{Name: worker, Age: 30, Boss: &Person{Name: boss, Age: 50}}
}

// MovePoint adds d to *p in place and returns the new value.
func MovePoint(p *Point, d Point) Point {
	p.X += d.X
	p.Y += d.Y
	return *p
}

// Invert swaps keys and values.
func Invert(m map[string]int) map[int]string {
	if m == nil {
		return nil
	}
	out := make(map[int]string, len(m))
	for k, v := range m {
		if old, ok := out[v]; !ok || k < old {
			out[v] = k
		}
	}
	return out
}

// Merge adds the counts of b to those of a in a new map.
func Merge(a, b map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range a {
		out[k] += v
	}
	for k, v := range b {
		out[k] += v
	}
	return out
}

// Lookup returns m[k] and whether it was present.
func Lookup(m map[string]int, k string) (int, bool) {
	v, ok := m[k]
	return v, ok
}

// Group groups words by their first letter.
func Group(words []string) map[string][]string {
	out := map[string][]string{}
	for _, w := range words {
		if w == "" {
			continue
		}
		k := w[:1]
		out[k] = append(out[k], w)
	}
	return out
}

// ---- register ABI edges ----

// ManyInts takes 12 ints, more than any architecture's integer argument
// registers, and returns a position-weighted sum.
func ManyInts(a, b, c, d, e, f, g, h, i, j, k, l int) int {
	return a + 2*b + 3*c + 4*d + 5*e + 6*f + 7*g + 8*h + 9*i + 10*j + 11*k + 12*l
}

// Mixed interleaves ints and floats of several sizes (10 ints, 6 floats) and
// reports each argument as it arrived.
func Mixed(a int, x float64, b int8, y float32, c int16, z float64, d int32, w float32,
	e int64, v float64, f uint, g uint8, h uint16, i uint32, j uint64, u float64) string {
	return fmt.Sprint(a, " ", x, " ", b, " ", y, " ", c, " ", z, " ", d, " ", w, " ",
		e, " ", v, " ", f, " ", g, " ", h, " ", i, " ", j, " ", u)
}

// ManyFloats takes 17 float64s, more than any architecture's float argument
// registers, and returns their sum in argument order.
func ManyFloats(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q float64) float64 {
	return a + b + c + d + e + f + g + h + i + j + k + l + m + n + o + p + q
}

// ManyResults returns 11 results of mixed kinds.
func ManyResults(n int) (int, int8, int16, int32, int64, float32, float64, string, bool, uint, error) {
	var err error
	if n < 0 {
		err = ErrNegative
	}
	return n, int8(n), int16(n * 2), int32(n * 3), int64(n * 4), float32(n) / 4, float64(n) / 8,
		strconv.Itoa(n), n%2 == 0, uint(n * n), err
}

// Big is a struct too large for registers.
type Big struct {
	A     [16]int64
	Name  string
	Ratio float64
	Inner Point
	Flags [5]bool
}

// MakeBig returns a Big derived from seed.
func MakeBig(seed int) Big {
	var b Big
	for i := range b.A {
		b.A[i] = int64(seed) << uint(i)
	}
	b.Name = "big-" + strconv.Itoa(seed)
	b.Ratio = float64(seed) / 16
	b.Inner = Point{X: seed, Y: -seed}
	for i := range b.Flags {
		b.Flags[i] = (seed>>uint(i))&1 == 1
	}
	return b
}

// SumBig sums a Big's array passed by value, and returns it with doubled
// values together with the sum.
func SumBig(b Big) (Big, int64) {
	var s int64
	for i, v := range b.A {
		s += v
		b.A[i] = 2 * v
	}
	b.Name += "!"
	return b, s
}

// Chan returns a buffered channel with n slots, holding min(n, 2) values.
func Chan(n int) chan int {
	c := make(chan int, n)
	for i := 0; i < n && i < 2; i++ {
		c <- i
	}
	return c
}

// Apply calls f with x; a nil f gives -1.
func Apply(f func(int) int, x int) int {
	if f == nil {
		return -1
	}
	return f(x)
}
