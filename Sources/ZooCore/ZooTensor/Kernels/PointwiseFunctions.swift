// Pointwise functions as types, for the generic elementwise kernels (Elementwise.swift).
//
// A kernel generic over the function's type is specialised where it is called, and the function is
// inlined into the loop, which then vectorises where the function allows. A closure handed to the same
// loop stays an indirect call per element once the loop runs inside DispatchQueue.concurrentPerform
// (measured on 1.5 M floats: leakyRelu 1.3-4 ms split over two cores against 0.26 ms inlined on one).

import Foundation

/// A function of one value, as a type (see `Kernels.map`).
protocol UnaryFunction {
    /// Work per element relative to an add (a libm call is about 8); sets how small a tensor is split.
    static var cost: Int { get }
    func callAsFunction(_ x: Float) -> Float
}

/// A function of two values, as a type (see `Kernels.zip`).
protocol BinaryFunction {
    /// Work per element relative to an add.
    static var cost: Int { get }
    func callAsFunction(_ a: Float, _ b: Float) -> Float
}

/// A function of three values, as a type (see `Kernels.zip3`).
protocol TernaryFunction {
    /// Work per element relative to an add.
    static var cost: Int { get }
    func callAsFunction(_ a: Float, _ b: Float, _ c: Float) -> Float
}

extension UnaryFunction { static var cost: Int { 1 } }
extension BinaryFunction { static var cost: Int { 1 } }
extension TernaryFunction { static var cost: Int { 1 } }

/// The relative cost of a function that calls libm (exp, log, tanh, erf, pow, sin, …).
let libmCost = 8

// MARK: - adapters

/// A closure as a `UnaryFunction` (called through a pointer; for the public closure forms).
struct UnaryClosure: UnaryFunction {
    static var cost: Int { libmCost }
    let body: (Float) -> Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { body(x) }
}

/// A closure as a `BinaryFunction`.
struct BinaryClosure: BinaryFunction {
    static var cost: Int { libmCost }
    let body: (Float, Float) -> Float
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { body(a, b) }
}

/// A closure as a `TernaryFunction`.
struct TernaryClosure: TernaryFunction {
    static var cost: Int { libmCost }
    let body: (Float, Float, Float) -> Float
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float, _ c: Float) -> Float { body(a, b, c) }
}

/// A binary function run by the three-input kernel, which passes it a third value it ignores.
struct IgnoringThird<F: BinaryFunction>: TernaryFunction {
    static var cost: Int { F.cost }
    let f: F
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float, _: Float) -> Float { f(a, b) }
}

/// The binary ops' functions as types (the unary ops declare theirs next to the op, in Unary.swift).
enum Pointwise {
    // MARK: arithmetic (Binary.swift)
    struct Add: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
    struct Subtract: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
    struct Multiply: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
    struct Divide: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
    struct Power: BinaryFunction {
        static var cost: Int { libmCost }
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { Foundation.pow(a, b) }
    }
    struct Maximum: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { Swift.max(a, b) } }
    struct Minimum: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { Swift.min(a, b) } }
    /// ∂max(a, b)/∂a: 1 where a > b, ½ at ties, else 0.
    struct MaximumWeight: BinaryFunction {
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a > b ? 1 : (a == b ? 0.5 : 0) }
    }
    /// ∂min(a, b)/∂a: 1 where a < b, ½ at ties, else 0.
    struct MinimumWeight: BinaryFunction {
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a < b ? 1 : (a == b ? 0.5 : 0) }
    }
    struct Greater: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a > b ? 1 : 0 } }
    struct Less: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a < b ? 1 : 0 } }
    struct Equal: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a == b ? 1 : 0 } }
    /// c ? a : b with c nonzero meaning true.
    struct Select: TernaryFunction {
        @inline(__always) func callAsFunction(_ c: Float, _ a: Float, _ b: Float) -> Float { c != 0 ? a : b }
    }
}
