//go:build ignore

// This program writes fastmath_amd64.s, the AVX2+FMA versions of fastmath.go's float32 functions and the loops
// of the scatter, element-wise and reduction executors: go run gen_fastmath_amd64.go
//
// The math functions take 8 elements at a time through the same reduction and polynomial as the scalar Go code
// (with fused multiply-adds), and stops at the first group of 8 that holds an argument outside the fast path's
// range (NaN, infinities, overflow, subnormal or non-positive logarithm arguments), returning how many elements
// it wrote: the Go wrapper computes that group with the scalar functions and calls it again for the rest.
package main

import (
	"fmt"
	"math"
	"os"
	"strings"
)

var w strings.Builder

func p(format string, args ...any) { fmt.Fprintf(&w, format+"\n", args...) }

// constants are 32-byte vectors of 8 equal lanes, by name: the 32-bit patterns, in order of first use.
var (
	constants     = map[string]uint32{}
	constantOrder []string
)

// c returns the memory operand of constant name, which must have been defined.
func c(name string) string {
	if _, ok := constants[name]; !ok {
		panic("undefined constant " + name)
	}
	return "fm" + name + "<>(SB)"
}

func define(name string, bits uint32) {
	if _, ok := constants[name]; ok {
		panic("constant defined twice: " + name)
	}
	constants[name] = bits
	constantOrder = append(constantOrder, name)
}

func init() {
	f := math.Float32bits
	define("one", f(1))
	define("mhalf", f(-0.5))
	define("abs", 0x7fffffff)
	define("sign", 0x80000000)
	define("bound", f(87))
	define("round", f(12582912))
	define("log2e", f(1.44269504088896341))
	define("ln2hi", f(0.693359375))
	define("ln2lo", f(-2.12194440e-4))
	define("minnormal", f(math.SmallestNonzeroFloat32*(1<<23)))
	define("max", f(math.MaxFloat32))
	define("nan", 0x7fc00000)
	define("ninf", 0xff800000)
	define("logoff", 0x3f800000-0x3f3504f3)
	define("i127", 0x7f)
	define("mant", 0x007fffff)
	define("sqrthalf", 0x3f3504f3)
	for i, v := range expPoly {
		define(fmt.Sprintf("exp%d", i), f(v))
	}
	for i, v := range logPoly {
		define(fmt.Sprintf("log%d", i), f(v))
	}
}

// Cephes' single-precision coefficients, as in fastmath.go.
var (
	expPoly = []float32{1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1}
	logPoly = []float32{7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
		-1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1}
)

// header starts a function func name(in, out *float32, n int) int; the loop loads 8 arguments into Y0.
func header(name string) {
	p("// func %s(in, out *float32, n int) int", name)
	p("TEXT ·%s(SB), NOSPLIT, $0-32", name)
	p("\tMOVQ in+0(FP), SI")
	p("\tMOVQ out+8(FP), DI")
	p("\tMOVQ n+16(FP), CX")
	p("\tXORQ AX, AX")
	p("%s_loop:", name)
	p("\tCMPQ AX, CX")
	p("\tJGE %s_done", name)
	p("\tVMOVUPS (SI)(AX*4), Y0")
}

// special leaves the function (without writing the group) if any lane of the mask register is set.
func special(name, mask string) {
	p("\tVMOVMSKPS %s, BX", mask)
	p("\tTESTL BX, BX")
	p("\tJNZ %s_done", name)
}

// footer stores the result register and closes the loop.
func footer(name, result string) {
	p("\tVMOVUPS %s, (DI)(AX*4)", result)
	p("\tADDQ $8, AX")
	p("\tJMP %s_loop", name)
	p("%s_done:", name)
	p("\tMOVQ AX, ret+24(FP)")
	p("\tVZEROUPPER")
	p("\tRET")
	p("")
}

// expCore computes e^x of register x (|x| ≤ 87) into Y5, using Y2-Y6.
func expCore(x string) {
	p("\tVMOVUPS %s, Y2", c("round"))
	p("\tVFMADD231PS %s, %s, Y2", c("log2e"), x) // t = x·log2e + 1.5·2²³
	p("\tVSUBPS %s, Y2, Y3", c("round"))         // fn = t - 1.5·2²³
	p("\tVPSUBD %s, Y2, Y2", c("round"))         // n = bits(t) - bits(1.5·2²³)
	p("\tVPSLLD $23, Y2, Y2")
	p("\tVMOVAPS %s, Y4", x)
	p("\tVFNMADD231PS %s, Y3, Y4", c("ln2hi")) // r = x - fn·ln2Hi
	p("\tVFNMADD231PS %s, Y3, Y4", c("ln2lo"))
	p("\tVMOVUPS %s, Y5", c("exp0"))
	for i := range expPoly[1:] {
		p("\tVFMADD213PS %s, Y4, Y5", c(fmt.Sprintf("exp%d", i+1))) // p = p·r + c
	}
	p("\tVMULPS Y4, Y4, Y6")
	p("\tVFMADD213PS Y4, Y6, Y5") // p·r² + r
	p("\tVADDPS %s, Y5, Y5", c("one"))
	p("\tVPADDD Y2, Y5, Y5") // ·2ⁿ
}

// logCore computes ln u of register u (normal, finite, positive) into Y4, using Y1-Y4.
func logCore(u string) {
	p("\tVPADDD %s, %s, Y1", c("logoff"), u)
	p("\tVPSRLD $23, Y1, Y2")
	p("\tVPSUBD %s, Y2, Y2", c("i127"))
	p("\tVCVTDQ2PS Y2, Y2") // k
	p("\tVPAND %s, Y1, Y1", c("mant"))
	p("\tVPADDD %s, Y1, Y1", c("sqrthalf"))
	p("\tVSUBPS %s, Y1, Y1", c("one")) // f
	p("\tVMULPS Y1, Y1, Y3")           // z = f²
	p("\tVMOVUPS %s, Y4", c("log0"))
	for i := range logPoly[1:] {
		p("\tVFMADD213PS %s, Y1, Y4", c(fmt.Sprintf("log%d", i+1)))
	}
	p("\tVMULPS Y1, Y4, Y4")
	p("\tVMULPS Y3, Y4, Y4")                  // p·f·z
	p("\tVFMADD231PS %s, Y2, Y4", c("ln2lo")) // + k·ln2Lo
	p("\tVFMADD231PS %s, Y3, Y4", c("mhalf")) // - z/2
	p("\tVADDPS Y1, Y4, Y4")                  // + f
	p("\tVFMADD231PS %s, Y2, Y4", c("ln2hi")) // + k·ln2Hi
}

// domain blends, into result, -Inf where the logarithm's argument arg is 0 and NaN where it is negative (the
// lanes set in le0, computed as arg ≤ 0 against zero); uses Y1-Y3.
func domain(arg, zero, le0, result string) {
	p("\tVCMPPS $0, %s, %s, Y1", zero, arg) // arg = 0
	p("\tVMOVUPS %s, Y2", c("nan"))
	p("\tVBLENDVPS Y1, %s, Y2, Y2", c("ninf"))
	p("\tVBLENDVPS %s, Y2, %s, %s", le0, result, result)
}

// rowLoops writes the row loop of the scatter executor (rows of a multiple of 32 bytes):
//
//	func addRowsAVX2(dst, src *float32, rows *int32, n, rowBytes int): for i < n with rows[i] ≥ 0,
//	    dst row rows[i] += src row i (rows of rowBytes bytes; src rows consecutive)
func rowLoops() {
	p("// func addRowsAVX2(dst, src *float32, rows *int32, n, rowBytes int)")
	p("TEXT ·addRowsAVX2(SB), NOSPLIT, $0-40")
	p("\tMOVQ dst+0(FP), DI")
	p("\tMOVQ src+8(FP), SI")
	p("\tMOVQ rows+16(FP), DX")
	p("\tMOVQ n+24(FP), CX")
	p("\tMOVQ rowBytes+32(FP), R9")
	p("addRowsAVX2_loop:")
	p("\tTESTQ CX, CX")
	p("\tJEQ addRowsAVX2_done")
	p("\tMOVLQSX (DX), AX")
	p("\tTESTQ AX, AX")
	p("\tJS addRowsAVX2_next")
	p("\tIMULQ R9, AX")
	p("\tLEAQ (DI)(AX*1), BX")
	p("\tXORQ R10, R10")
	p("addRowsAVX2_inner:")
	p("\tVMOVUPS (BX)(R10*1), Y0")
	p("\tVADDPS (SI)(R10*1), Y0, Y0") // dst + src, the Go loops' order.
	p("\tVMOVUPS Y0, (BX)(R10*1)")
	p("\tADDQ $32, R10")
	p("\tCMPQ R10, R9")
	p("\tJLT addRowsAVX2_inner")
	p("addRowsAVX2_next:")
	p("\tADDQ R9, SI")
	p("\tADDQ $4, DX")
	p("\tDECQ CX")
	p("\tJMP addRowsAVX2_loop")
	p("addRowsAVX2_done:")
	p("\tVZEROUPPER")
	p("\tRET")
	p("")

}

// runLoops writes the loops of the element-wise executors over blocks of short runs (see ewPlan.runBlocks):
// reps2 groups of reps runs of n elements, all consecutive in the output; run r of group g starts its operands
// at g·stride2 + r·stride elements (all sizes and strides in float32 elements; n need not be a multiple of 8):
//
//	func binRuns<Op><vv|vs|sv>AVX2(out, x, y *float32, reps, n, xs, ys, reps2, xs2, ys2 int): out = x op y,
//	    where an operand marked s is one value per run (a broadcast) instead of a run of n
//	func fillRunsAVX2(out, in *uint32, reps, n, s, reps2, s2 int): every element of a run is its in[g·s2 + r·s]
//	func copyRunsAVX2(out, in *uint32, reps, n, s, reps2, s2 int): a run is in[g·s2 + r·s :][:n]
//	func sumColumnsAVX2(out, in *float32, rows, reduced, inner int): out[o, i] = Σ_r in[o, r, i] summed from 0
//	    in order of r, for inner a multiple of 8
func runLoops() {
	for _, op := range []string{"ADD", "SUB", "MUL", "DIV"} {
		for _, variant := range []string{"vv", "vs", "sv"} {
			binRuns(op, variant)
		}
	}
	for _, fill := range []bool{true, false} {
		name := "copyRunsAVX2"
		if fill {
			name = "fillRunsAVX2"
		}
		p("// func %s(out, in *uint32, reps, n, s, reps2, s2 int)", name)
		p("TEXT ·%s(SB), NOSPLIT, $0-56", name)
		p("\tMOVQ out+0(FP), DI")
		p("\tMOVQ in+8(FP), R11")
		p("\tMOVQ n+24(FP), R8")
		p("\tMOVQ s+32(FP), R9")
		p("\tMOVQ reps2+40(FP), R13")
		p("\tMOVQ s2+48(FP), R14")
		p("\tSHLQ $2, R9")
		p("\tSHLQ $2, R14")
		p("\tMOVQ R8, BX")
		p("\tANDQ $-8, BX")
		p("%s_group:", name)
		p("\tTESTQ R13, R13")
		p("\tJEQ %s_done", name)
		p("\tMOVQ R11, SI")
		p("\tMOVQ reps+16(FP), CX")
		p("%s_rep:", name)
		p("\tTESTQ CX, CX")
		p("\tJEQ %s_endgroup", name)
		if fill {
			p("\tVBROADCASTSS (SI), Y0")
		}
		p("\tXORQ AX, AX")
		p("%s_vec:", name)
		p("\tCMPQ AX, BX")
		p("\tJGE %s_tail", name)
		if !fill {
			p("\tVMOVUPS (SI)(AX*4), Y0")
		}
		p("\tVMOVUPS Y0, (DI)(AX*4)")
		p("\tADDQ $8, AX")
		p("\tJMP %s_vec", name)
		p("%s_tail:", name)
		p("\tCMPQ AX, R8")
		p("\tJGE %s_next", name)
		if !fill {
			p("\tMOVL (SI)(AX*4), DX")
			p("\tMOVL DX, (DI)(AX*4)")
		} else {
			p("\tVMOVSS X0, (DI)(AX*4)")
		}
		p("\tINCQ AX")
		p("\tJMP %s_tail", name)
		p("%s_next:", name)
		p("\tLEAQ (DI)(R8*4), DI")
		p("\tADDQ R9, SI")
		p("\tDECQ CX")
		p("\tJMP %s_rep", name)
		p("%s_endgroup:", name)
		p("\tADDQ R14, R11")
		p("\tDECQ R13")
		p("\tJMP %s_group", name)
		p("%s_done:", name)
		p("\tVZEROUPPER")
		p("\tRET")
		p("")
	}

	p("// func sumColumnsAVX2(out, in *float32, rows, reduced, inner int)")
	p("TEXT ·sumColumnsAVX2(SB), NOSPLIT, $0-40")
	p("\tMOVQ out+0(FP), DI")
	p("\tMOVQ in+8(FP), SI")
	p("\tMOVQ rows+16(FP), CX")
	p("\tMOVQ reduced+24(FP), R8")
	p("\tMOVQ inner+32(FP), R9")
	p("\tSHLQ $2, R9") // Row bytes.
	p("sumColumnsAVX2_row:")
	p("\tTESTQ CX, CX")
	p("\tJEQ sumColumnsAVX2_done")
	p("\tXORQ AX, AX") // Column byte offset.
	p("sumColumnsAVX2_col:")
	p("\tCMPQ AX, R9")
	p("\tJGE sumColumnsAVX2_next")
	p("\tVXORPS Y0, Y0, Y0")
	p("\tLEAQ (SI)(AX*1), BX")
	p("\tMOVQ R8, DX")
	p("sumColumnsAVX2_sum:")
	p("\tTESTQ DX, DX")
	p("\tJEQ sumColumnsAVX2_store")
	p("\tVADDPS (BX), Y0, Y0")
	p("\tADDQ R9, BX")
	p("\tDECQ DX")
	p("\tJMP sumColumnsAVX2_sum")
	p("sumColumnsAVX2_store:")
	p("\tVMOVUPS Y0, (DI)(AX*1)")
	p("\tADDQ $32, AX")
	p("\tJMP sumColumnsAVX2_col")
	p("sumColumnsAVX2_next:")
	p("\tADDQ R9, DI")
	p("\tMOVQ R9, DX")
	p("\tIMULQ R8, DX")
	p("\tADDQ DX, SI")
	p("\tDECQ CX")
	p("\tJMP sumColumnsAVX2_row")
	p("sumColumnsAVX2_done:")
	p("\tVZEROUPPER")
	p("\tRET")
	p("")
}

// binRuns writes binRuns<Op><variant>AVX2 (see runLoops).
func binRuns(op, variant string) {
	name := fmt.Sprintf("binRuns%s%s%sAVX2", op[:1], strings.ToLower(op[1:]), variant)
	p("// func %s(out, x, y *float32, reps, n, xs, ys, reps2, xs2, ys2 int)", name)
	p("TEXT ·%s(SB), NOSPLIT, $0-80", name)
	p("\tMOVQ out+0(FP), DI")
	p("\tMOVQ x+8(FP), R11")
	p("\tMOVQ y+16(FP), R12")
	p("\tMOVQ n+32(FP), R8")
	p("\tMOVQ xs+40(FP), R9")
	p("\tMOVQ ys+48(FP), R10")
	p("\tMOVQ reps2+56(FP), R13")
	p("\tMOVQ xs2+64(FP), R14")
	p("\tMOVQ ys2+72(FP), R15")
	p("\tSHLQ $2, R9")
	p("\tSHLQ $2, R10")
	p("\tSHLQ $2, R14")
	p("\tSHLQ $2, R15")
	p("\tMOVQ R8, BX")
	p("\tANDQ $-8, BX")
	p("%s_group:", name)
	p("\tTESTQ R13, R13")
	p("\tJEQ %s_done", name)
	p("\tMOVQ R11, SI")
	p("\tMOVQ R12, DX")
	p("\tMOVQ reps+24(FP), CX")
	p("%s_rep:", name)
	p("\tTESTQ CX, CX")
	p("\tJEQ %s_endgroup", name)
	switch variant {
	case "vs":
		p("\tVBROADCASTSS (DX), Y1")
	case "sv":
		p("\tVBROADCASTSS (SI), Y1")
	}
	p("\tXORQ AX, AX")
	p("%s_vec:", name)
	p("\tCMPQ AX, BX")
	p("\tJGE %s_tail", name)
	switch variant {
	case "vv":
		p("\tVMOVUPS (SI)(AX*4), Y0")
		p("\tV%sPS (DX)(AX*4), Y0, Y0", op)
	case "vs":
		p("\tVMOVUPS (SI)(AX*4), Y0")
		p("\tV%sPS Y1, Y0, Y0", op)
	case "sv":
		p("\tVMOVUPS (DX)(AX*4), Y2")
		p("\tV%sPS Y2, Y1, Y0", op)
	}
	p("\tVMOVUPS Y0, (DI)(AX*4)")
	p("\tADDQ $8, AX")
	p("\tJMP %s_vec", name)
	p("%s_tail:", name)
	p("\tCMPQ AX, R8")
	p("\tJGE %s_next", name)
	switch variant {
	case "vv":
		p("\tVMOVSS (SI)(AX*4), X0")
		p("\tV%sSS (DX)(AX*4), X0, X0", op)
	case "vs":
		p("\tVMOVSS (SI)(AX*4), X0")
		p("\tV%sSS X1, X0, X0", op)
	case "sv":
		p("\tVMOVSS (DX)(AX*4), X2")
		p("\tV%sSS X2, X1, X0", op)
	}
	p("\tVMOVSS X0, (DI)(AX*4)")
	p("\tINCQ AX")
	p("\tJMP %s_tail", name)
	p("%s_next:", name)
	p("\tLEAQ (DI)(R8*4), DI")
	p("\tADDQ R9, SI")
	p("\tADDQ R10, DX")
	p("\tDECQ CX")
	p("\tJMP %s_rep", name)
	p("%s_endgroup:", name)
	p("\tADDQ R14, R11")
	p("\tADDQ R15, R12")
	p("\tDECQ R13")
	p("\tJMP %s_group", name)
	p("%s_done:", name)
	p("\tVZEROUPPER")
	p("\tRET")
	p("")
}

func main() {
	w.WriteString("// Code generated by gen_fastmath_amd64.go; DO NOT EDIT.\n\n#include \"textflag.h\"\n\n")

	header("expAVX2")
	p("\tVANDPS %s, Y0, Y1", c("abs"))
	p("\tVCMPPS $6, %s, Y1, Y1", c("bound")) // !(|x| ≤ 87), NaN included.
	special("expAVX2", "Y1")
	expCore("Y0")
	footer("expAVX2", "Y5")

	// Logarithms of zero and negative numbers are -Inf and NaN blended in; only subnormal arguments, +Inf and
	// NaN leave the vector loop.
	header("logAVX2")
	p("\tVXORPS Y5, Y5, Y5")
	p("\tVCMPPS $2, Y5, Y0, Y6")                 // x ≤ 0
	p("\tVCMPPS $9, %s, Y0, Y1", c("minnormal")) // !(x ≥ min normal)
	p("\tVANDNPS Y1, Y6, Y1")                    // ... and not x ≤ 0
	p("\tVCMPPS $6, %s, Y0, Y2", c("max"))       // !(x ≤ max)
	p("\tVORPS Y1, Y2, Y1")
	special("logAVX2", "Y1")
	logCore("Y0")
	domain("Y0", "Y5", "Y6", "Y4")
	footer("logAVX2", "Y4")

	header("log1pAVX2")
	p("\tVADDPS %s, Y0, Y7", c("one"))     // u = 1 + x
	p("\tVCMPPS $6, %s, Y7, Y1", c("max")) // !(u ≤ max)
	special("log1pAVX2", "Y1")
	p("\tVXORPS Y5, Y5, Y5")
	p("\tVCMPPS $2, Y5, Y7, Y6") // u ≤ 0
	logCore("Y7")
	p("\tVSUBPS %s, Y7, Y1", c("one")) // u - 1
	p("\tVDIVPS Y1, Y0, Y2")           // x / (u-1)
	p("\tVMULPS Y2, Y4, Y4")
	p("\tVCMPPS $0, %s, Y7, Y1", c("one")) // u = 1: the result is x.
	p("\tVBLENDVPS Y1, Y0, Y4, Y4")
	domain("Y7", "Y5", "Y6", "Y4")
	footer("log1pAVX2", "Y4")

	header("logisticAVX2")
	p("\tVANDPS %s, Y0, Y1", c("abs"))
	p("\tVCMPPS $6, %s, Y1, Y7", c("bound"))
	special("logisticAVX2", "Y7")
	p("\tVORPS %s, Y0, Y1", c("sign")) // -|x|
	expCore("Y1")                      // e = exp(-|x|)
	p("\tVADDPS %s, Y5, Y6", c("one"))
	p("\tVMOVUPS %s, Y7", c("one"))
	p("\tVBLENDVPS Y0, Y5, Y7, Y7") // numerator: e where x < 0 (sign bit), else 1.
	p("\tVDIVPS Y6, Y7, Y7")
	footer("logisticAVX2", "Y7")

	header("signAVX2")
	p("\tVANDPS %s, Y0, Y1", c("abs"))
	p("\tVXORPS Y2, Y2, Y2")
	p("\tVCMPPS $12, Y2, Y1, Y1") // |x| ≠ 0 and not NaN.
	p("\tVANDPS %s, Y0, Y3", c("sign"))
	p("\tVORPS %s, Y3, Y3", c("one"))
	p("\tVANDPS Y1, Y3, Y3")
	footer("signAVX2", "Y3")

	rowLoops()
	runLoops()

	for _, name := range constantOrder {
		for i := range 8 {
			p("DATA fm%s<>+%d(SB)/4, $0x%08x", name, 4*i, constants[name])
		}
		p("GLOBL fm%s<>(SB), RODATA|NOPTR, $32", name)
	}
	if err := os.WriteFile("fastmath_amd64.s", []byte(w.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
