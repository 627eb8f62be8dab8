// Unary primitives. Each backward is written with tensor ops, so it records when differentiated twice.
// Where a backward reuses the forward's output, it recomputes it from the input while recording (the
// output's own node must not be captured: that would be a cycle) and reuses the stored values otherwise.

import Foundation

/// A constant (tape-free) tensor from a pointwise function of `x`'s values.
@inline(__always) func constantMap(_ x: Tensor, _ f: (Float) -> Float) -> Tensor { Kernels.map(x, f) }

// MARK: - neg
// y = −x    ∂y/∂x = −1
public prefix func - (x: Tensor) -> Tensor {
    Kernels.map(x) { -$0 }.recorded(.neg, [x]) { dy in [-dy] }
}

// MARK: - exp
// y = eˣ    ∂y/∂x = eˣ
public func exp(_ x: Tensor) -> Tensor {
    let y = Kernels.map(x) { Foundation.exp($0) }
    let yv = y.detached()
    return y.recorded(.exp, [x]) { dy in [dy * (isRecordingGradients ? exp(x) : yv)] }
}

// MARK: - log
// y = ln x    ∂y/∂x = 1/x
public func log(_ x: Tensor) -> Tensor {
    Kernels.map(x) { Foundation.log($0) }.recorded(.log, [x]) { dy in [dy / x] }
}

// MARK: - sqrt
// y = √x    ∂y/∂x = 1/(2√x)
public func sqrt(_ x: Tensor) -> Tensor {
    let y = Kernels.map(x) { $0.squareRoot() }
    let yv = y.detached()
    return y.recorded(.sqrt, [x]) { dy in [dy * 0.5 / (isRecordingGradients ? sqrt(x) : yv)] }
}

// MARK: - abs
// y = |x|    ∂y/∂x = sign(x) (0 at 0, as PyTorch)
public func abs(_ x: Tensor) -> Tensor {
    Kernels.map(x) { Swift.abs($0) }.recorded(.abs, [x]) { dy in
        [dy * constantMap(x) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }]
    }
}

// MARK: - tanh
// y = tanh x    ∂y/∂x = 1 − y²
public func tanh(_ x: Tensor) -> Tensor {
    let y = Kernels.map(x) { Foundation.tanh($0) }
    let yv = y.detached()
    return y.recorded(.tanh, [x]) { dy in
        let t = isRecordingGradients ? tanh(x) : yv
        return [dy * (1 - t * t)]
    }
}

// MARK: - sigmoid
// y = 1/(1+e⁻ˣ)    ∂y/∂x = y(1 − y)
public func sigmoid(_ x: Tensor) -> Tensor {
    let y = Kernels.map(x) { stableSigmoid($0) }
    let yv = y.detached()
    return y.recorded(.sigmoid, [x]) { dy in
        let s = isRecordingGradients ? sigmoid(x) : yv
        return [dy * s * (1 - s)]
    }
}

@inline(__always) func stableSigmoid(_ v: Float) -> Float {
    v >= 0 ? 1 / (1 + Foundation.exp(-v)) : { let e = Foundation.exp(v); return e / (1 + e) }()
}

// MARK: - relu
// y = max(x, 0)    ∂y/∂x = [x > 0]
public func relu(_ x: Tensor) -> Tensor {
    Kernels.map(x) { Swift.max($0, 0) }.recorded(.relu, [x]) { dy in [dy * constantMap(x) { $0 > 0 ? 1 : 0 }] }
}

// MARK: - leakyRelu
// y = x if x > 0 else αx    ∂y/∂x = 1 or α
public func leakyRelu(_ x: Tensor, negativeSlope alpha: Float = 0.01) -> Tensor {
    Kernels.map(x) { $0 > 0 ? $0 : alpha * $0 }.recorded(.leakyRelu, [x]) { dy in
        [dy * constantMap(x) { $0 > 0 ? 1 : alpha }]
    }
}

// MARK: - softplus
// y = ln(1 + eˣ) (linear above x = 20, as PyTorch's threshold)    ∂y/∂x = σ(x)
public func softplus(_ x: Tensor) -> Tensor {
    Kernels.map(x) { $0 > 20 ? $0 : Foundation.log1p(Foundation.exp($0)) }.recorded(.softplus, [x]) { dy in
        [dy * (isRecordingGradients ? sigmoid(x) : constantMap(x) { $0 > 20 ? 1 : stableSigmoid($0) })]
    }
}

// MARK: - gelu (exact, erf form)
// y = x Φ(x)    ∂y/∂x = Φ(x) + x φ(x)
// Second derivatives: Φ and φ enter the backward as constants, so only first-order gradients are exact.
public func gelu(_ x: Tensor) -> Tensor {
    Kernels.map(x) { 0.5 * $0 * (1 + Foundation.erf($0 / Float(2.0.squareRoot()))) }.recorded(.gelu, [x]) { dy in
        [dy * constantMap(x) { v in
            let cdf = 0.5 * (1 + Foundation.erf(v / Float(2.0.squareRoot())))
            let pdf = Foundation.exp(-0.5 * v * v) / Float((2 * Double.pi).squareRoot())
            return cdf + v * pdf
        }]
    }
}

// MARK: - silu
// y = x σ(x)    ∂y/∂x = σ(x)(1 + x(1 − σ(x)))
public func silu(_ x: Tensor) -> Tensor {
    Kernels.map(x) { $0 * stableSigmoid($0) }.recorded(.silu, [x]) { dy in
        let s = isRecordingGradients ? sigmoid(x) : constantMap(x) { stableSigmoid($0) }
        return [dy * s * (1 + x * (1 - s))]
    }
}

// MARK: - sin
// y = sin x    ∂y/∂x = cos x
public func sin(_ x: Tensor) -> Tensor {
    Kernels.map(x) { Foundation.sin($0) }.recorded(.sin, [x]) { dy in [dy * cos(x)] }
}

// MARK: - cos
// y = cos x    ∂y/∂x = −sin x
public func cos(_ x: Tensor) -> Tensor {
    Kernels.map(x) { Foundation.cos($0) }.recorded(.cos, [x]) { dy in [-(dy * sin(x))] }
}

// MARK: - powScalar
// y = xᵖ    ∂y/∂x = p xᵖ⁻¹
public func pow(_ x: Tensor, _ p: Float) -> Tensor {
    if p == 2 { return Kernels.map(x) { $0 * $0 }.recorded(.powScalar, [x]) { dy in [dy * 2 * x] } }
    return Kernels.map(x) { Foundation.pow($0, p) }.recorded(.powScalar, [x]) { dy in [dy * p * pow(x, p - 1)] }
}

// MARK: - clamp
// y = min(max(x, lo), hi)    ∂y/∂x = [lo ≤ x ≤ hi] (PyTorch's convention at the bounds)
public func clamp(_ x: Tensor, min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor {
    Kernels.map(x) { Swift.min(Swift.max($0, lo), hi) }.recorded(.clamp, [x]) { dy in
        [dy * constantMap(x) { $0 >= lo && $0 <= hi ? 1 : 0 }]
    }
}

extension Tensor {
    /// x².
    public func squared() -> Tensor { pow(self, 2) }
}
