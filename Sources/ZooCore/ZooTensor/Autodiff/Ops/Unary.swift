// Unary primitives. Each backward is written with tensor ops, so it records when differentiated twice.
// Where a backward reuses the forward's output, it recomputes it from the input while recording (the
// output's own node must not be captured: that would be a cycle) and reuses the stored values otherwise.

import Foundation

/// A constant (tape-free) tensor from a pointwise function of `x`'s values.
@inline(__always) func constantMap(_ x: Tensor, _ f: (Float) -> Float) -> Tensor { Kernels.map(x, f) }

/// A constant (tape-free) tensor from a pointwise function type (inlined into the kernel's loop).
@inline(__always) func constantMap<F: UnaryFunction>(_ x: Tensor, _ f: F) -> Tensor { Kernels.map(x, f) }

/// The unary ops' functions as types, for `Kernels.map` (see PointwiseFunctions.swift).
enum UnaryFunctions {
    struct Negate: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { -x } }
    /// zoo's branch-free e^x (VectorMath.swift, relative error ≤ 2.4e-7), which vectorises: libm's expf
    /// was 7% of `zoo sample`'s time (the softmax of RVD's attention).
    struct Exp: UnaryFunction {
        static var cost: Int { libmCost }
        @inline(__always) func callAsFunction(_ x: Float) -> Float { vectorExp(x) }
    }
    struct Log: UnaryFunction {
        static var cost: Int { libmCost }
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.log(x) }
    }
    struct SquareRoot: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.squareRoot() } }
    struct Abs: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.abs(x) } }
    struct Sign: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) } }
    struct Tanh: UnaryFunction {
        static var cost: Int { libmCost }
        @inline(__always) func callAsFunction(_ x: Float) -> Float { vectorTanh(x) }
    }
    struct Sigmoid: UnaryFunction {
        static var cost: Int { libmCost }
        @inline(__always) func callAsFunction(_ x: Float) -> Float { vectorSigmoid(x) }
    }
    struct Relu: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.max(x, 0) } }
    /// 1 where x > 0, else `below` (the slope of relu / leakyRelu).
    struct Step: UnaryFunction {
        let below: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? 1 : below }
    }
    struct LeakyRelu: UnaryFunction {
        let alpha: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : alpha * x }
    }
    struct Square: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { x * x } }
    struct Clamp: UnaryFunction {
        let lo: Float, hi: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.min(Swift.max(x, lo), hi) }
    }
    /// 1 inside [lo, hi], else 0.
    struct Inside: UnaryFunction {
        let lo: Float, hi: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x >= lo && x <= hi ? 1 : 0 }
    }
    struct Softplus: UnaryFunction {
        static var cost: Int { libmCost }
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 20 ? x : Foundation.log1p(Foundation.exp(x)) }
    }
    /// σ(x), 1 above x = 20 (the slope of softplus).
    struct SoftplusSlope: UnaryFunction {
        static var cost: Int { libmCost }
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 20 ? 1 : vectorSigmoid(x) }
    }
    struct Gelu: UnaryFunction {
        static var cost: Int { libmCost }
        @inline(__always) func callAsFunction(_ x: Float) -> Float { 0.5 * x * (1 + Foundation.erf(x / Float(2.0.squareRoot()))) }
    }
    /// Φ(x) + x φ(x) (the slope of gelu).
    struct GeluSlope: UnaryFunction {
        static var cost: Int { 2 * libmCost }
        @inline(__always) func callAsFunction(_ x: Float) -> Float {
            let cdf = 0.5 * (1 + Foundation.erf(x / Float(2.0.squareRoot())))
            let pdf = Foundation.exp(-0.5 * x * x) / Float((2 * Double.pi).squareRoot())
            return cdf + x * pdf
        }
    }
    struct Silu: UnaryFunction {
        static var cost: Int { libmCost }
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x * vectorSigmoid(x) }
    }
    struct Sin: UnaryFunction {
        static var cost: Int { libmCost }
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.sin(x) }
    }
    struct Cos: UnaryFunction {
        static var cost: Int { libmCost }
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.cos(x) }
    }
    struct Power: UnaryFunction {
        static var cost: Int { libmCost }
        let p: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.pow(x, p) }
    }
}

// MARK: - neg
// y = −x    ∂y/∂x = −1
public prefix func - (x: Tensor) -> Tensor {
    Kernels.map(x, UnaryFunctions.Negate()).recorded(.neg, [x]) { dy in [-dy] }
}

// MARK: - exp
// y = eˣ    ∂y/∂x = eˣ
public func exp(_ x: Tensor) -> Tensor {
    let y = Kernels.map(x, UnaryFunctions.Exp())
    let yv = y.detached()
    return y.recorded(.exp, [x]) { dy in [dy * (isRecordingGradients ? exp(x) : yv)] }
}

// MARK: - log
// y = ln x    ∂y/∂x = 1/x
public func log(_ x: Tensor) -> Tensor {
    Kernels.map(x, UnaryFunctions.Log()).recorded(.log, [x]) { dy in [dy / x] }
}

// MARK: - sqrt
// y = √x    ∂y/∂x = 1/(2√x)
public func sqrt(_ x: Tensor) -> Tensor {
    let y = Kernels.map(x, UnaryFunctions.SquareRoot())
    let yv = y.detached()
    return y.recorded(.sqrt, [x]) { dy in [dy * 0.5 / (isRecordingGradients ? sqrt(x) : yv)] }
}

// MARK: - abs
// y = |x|    ∂y/∂x = sign(x) (0 at 0, as PyTorch)
public func abs(_ x: Tensor) -> Tensor {
    Kernels.map(x, UnaryFunctions.Abs()).recorded(.abs, [x]) { dy in
        [dy * constantMap(x, UnaryFunctions.Sign())]
    }
}

// MARK: - tanh
// y = tanh x    ∂y/∂x = 1 − y²
public func tanh(_ x: Tensor) -> Tensor {
    let y = Kernels.map(x, UnaryFunctions.Tanh())
    let yv = y.detached()
    return y.recorded(.tanh, [x]) { dy in
        let t = isRecordingGradients ? tanh(x) : yv
        return [dy * (1 - t * t)]
    }
}

// MARK: - sigmoid
// y = 1/(1+e⁻ˣ)    ∂y/∂x = y(1 − y)
public func sigmoid(_ x: Tensor) -> Tensor {
    let y = Kernels.map(x, UnaryFunctions.Sigmoid())
    let yv = y.detached()
    return y.recorded(.sigmoid, [x]) { dy in
        let s = isRecordingGradients ? sigmoid(x) : yv
        return [dy * s * (1 - s)]
    }
}

// MARK: - relu
// y = max(x, 0)    ∂y/∂x = [x > 0]
public func relu(_ x: Tensor) -> Tensor {
    Kernels.map(x, UnaryFunctions.Relu()).recorded(.relu, [x]) { dy in [dy * constantMap(x, UnaryFunctions.Step(below: 0))] }
}

// MARK: - leakyRelu
// y = x if x > 0 else αx    ∂y/∂x = 1 or α
public func leakyRelu(_ x: Tensor, negativeSlope alpha: Float = 0.01) -> Tensor {
    Kernels.map(x, UnaryFunctions.LeakyRelu(alpha: alpha)).recorded(.leakyRelu, [x]) { dy in
        [dy * constantMap(x, UnaryFunctions.Step(below: alpha))]
    }
}

// MARK: - softplus
// y = ln(1 + eˣ) (linear above x = 20, as PyTorch's threshold)    ∂y/∂x = σ(x)
public func softplus(_ x: Tensor) -> Tensor {
    Kernels.map(x, UnaryFunctions.Softplus()).recorded(.softplus, [x]) { dy in
        [dy * (isRecordingGradients ? sigmoid(x) : constantMap(x, UnaryFunctions.SoftplusSlope()))]
    }
}

// MARK: - gelu (exact, erf form)
// y = x Φ(x)    ∂y/∂x = Φ(x) + x φ(x)
// Second derivatives: Φ and φ enter the backward as constants, so only first-order gradients are exact.
public func gelu(_ x: Tensor) -> Tensor {
    Kernels.map(x, UnaryFunctions.Gelu()).recorded(.gelu, [x]) { dy in
        [dy * constantMap(x, UnaryFunctions.GeluSlope())]
    }
}

// MARK: - silu
// y = x σ(x)    ∂y/∂x = σ(x)(1 + x(1 − σ(x)))
public func silu(_ x: Tensor) -> Tensor {
    Kernels.map(x, UnaryFunctions.Silu()).recorded(.silu, [x]) { dy in
        let s = isRecordingGradients ? sigmoid(x) : constantMap(x, UnaryFunctions.Sigmoid())
        return [dy * s * (1 + x * (1 - s))]
    }
}

// MARK: - sin
// y = sin x    ∂y/∂x = cos x
public func sin(_ x: Tensor) -> Tensor {
    Kernels.map(x, UnaryFunctions.Sin()).recorded(.sin, [x]) { dy in [dy * cos(x)] }
}

// MARK: - cos
// y = cos x    ∂y/∂x = −sin x
public func cos(_ x: Tensor) -> Tensor {
    Kernels.map(x, UnaryFunctions.Cos()).recorded(.cos, [x]) { dy in [-(dy * sin(x))] }
}

// MARK: - powScalar
// y = xᵖ    ∂y/∂x = p xᵖ⁻¹
public func pow(_ x: Tensor, _ p: Float) -> Tensor {
    if p == 2 { return Kernels.map(x, UnaryFunctions.Square()).recorded(.powScalar, [x]) { dy in [dy * 2 * x] } }
    return Kernels.map(x, UnaryFunctions.Power(p: p)).recorded(.powScalar, [x]) { dy in [dy * p * pow(x, p - 1)] }
}

// MARK: - clamp
// y = min(max(x, lo), hi)    ∂y/∂x = [lo ≤ x ≤ hi] (PyTorch's convention at the bounds)
public func clamp(_ x: Tensor, min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor {
    Kernels.map(x, UnaryFunctions.Clamp(lo: lo, hi: hi)).recorded(.clamp, [x]) { dy in
        [dy * constantMap(x, UnaryFunctions.Inside(lo: lo, hi: hi))]
    }
}

extension Tensor {
    /// x².
    public func squared() -> Tensor { pow(self, 2) }
}
