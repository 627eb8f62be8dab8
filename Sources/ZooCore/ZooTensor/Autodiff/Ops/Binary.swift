// Binary primitives with NumPy broadcasting. Gradients are summed back to each input's shape through
// `sum(toShape:)`, the one place broadcasting is undone.

import Foundation

// MARK: - add
// z = a + b    ∂z/∂a = 1, ∂z/∂b = 1
public func + (a: Tensor, b: Tensor) -> Tensor {
    Kernels.zip(a, b, Pointwise.Add()).recorded(.add, [a, b]) { dy in [dy.sum(toShape: a.shape), dy.sum(toShape: b.shape)] }
}

// MARK: - sub
// z = a − b    ∂z/∂a = 1, ∂z/∂b = −1
public func - (a: Tensor, b: Tensor) -> Tensor {
    Kernels.zip(a, b, Pointwise.Subtract()).recorded(.sub, [a, b]) { dy in [dy.sum(toShape: a.shape), (-dy).sum(toShape: b.shape)] }
}

// MARK: - mul
// z = a·b    ∂z/∂a = b, ∂z/∂b = a
public func * (a: Tensor, b: Tensor) -> Tensor {
    Kernels.zip(a, b, Pointwise.Multiply()).recorded(.mul, [a, b]) { dy in
        [a.node == nil ? nil : (dy * b).sum(toShape: a.shape), b.node == nil ? nil : (dy * a).sum(toShape: b.shape)]
    }
}

// MARK: - div
// z = a/b    ∂z/∂a = 1/b, ∂z/∂b = −a/b²
public func / (a: Tensor, b: Tensor) -> Tensor {
    Kernels.zip(a, b, Pointwise.Divide()).recorded(.div, [a, b]) { dy in
        [a.node == nil ? nil : (dy / b).sum(toShape: a.shape),
         b.node == nil ? nil : (-(dy * a) / (b * b)).sum(toShape: b.shape)]
    }
}

// MARK: - pow
// z = aᵇ    ∂z/∂a = b·aᵇ⁻¹, ∂z/∂b = aᵇ·ln a
public func pow(_ a: Tensor, _ b: Tensor) -> Tensor {
    Kernels.zip(a, b, Pointwise.Power()).recorded(.pow, [a, b]) { dy in
        [a.node == nil ? nil : (dy * b * pow(a, b - 1)).sum(toShape: a.shape),
         b.node == nil ? nil : (dy * pow(a, b) * log(a)).sum(toShape: b.shape)]
    }
}

// MARK: - maximum
// z = max(a, b)    ∂z/∂a = [a > b] + ½[a = b]    (ties split evenly, as PyTorch)
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
    Kernels.zip(a, b, Pointwise.Maximum()).recorded(.maximum, [a, b]) { dy in
        let wa = Kernels.zip(a, b, Pointwise.MaximumWeight())
        return [(dy * wa).sum(toShape: a.shape), (dy * (1 - wa)).sum(toShape: b.shape)]
    }
}

// MARK: - minimum
// z = min(a, b)    ∂z/∂a = [a < b] + ½[a = b]
public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
    Kernels.zip(a, b, Pointwise.Minimum()).recorded(.minimum, [a, b]) { dy in
        let wa = Kernels.zip(a, b, Pointwise.MinimumWeight())
        return [(dy * wa).sum(toShape: a.shape), (dy * (1 - wa)).sum(toShape: b.shape)]
    }
}

// MARK: - where
// z = c ? a : b (c a constant mask, nonzero = true)    ∂z/∂a = c, ∂z/∂b = 1 − c
public func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
    let mask = condition.detached()
    return Kernels.zip3(mask, a, b, Pointwise.Select()).recorded(.where, [a, b]) { dy in
        let zero = Tensor(0)
        return [`where`(mask, dy, zero).sum(toShape: a.shape), `where`(mask, zero, dy).sum(toShape: b.shape)]
    }
}

// MARK: - scalar forms
public func + (a: Tensor, b: Float) -> Tensor { a + Tensor(b) }
public func + (a: Float, b: Tensor) -> Tensor { Tensor(a) + b }
public func - (a: Tensor, b: Float) -> Tensor { a - Tensor(b) }
public func - (a: Float, b: Tensor) -> Tensor { Tensor(a) - b }
public func * (a: Tensor, b: Float) -> Tensor { a * Tensor(b) }
public func * (a: Float, b: Tensor) -> Tensor { Tensor(a) * b }
public func / (a: Tensor, b: Float) -> Tensor { a * Tensor(1 / b) }
public func / (a: Float, b: Tensor) -> Tensor { Tensor(a) / b }

// MARK: - comparisons (constant 0/1 masks, no gradient)
extension Tensor {
    /// 1 where self > other, else 0 (broadcasting; no gradient).
    public func greater(_ other: Tensor) -> Tensor { Kernels.zip(self, other, Pointwise.Greater()) }
    /// 1 where self < other, else 0.
    public func less(_ other: Tensor) -> Tensor { Kernels.zip(self, other, Pointwise.Less()) }
    /// 1 where self == other, else 0.
    public func equal(_ other: Tensor) -> Tensor { Kernels.zip(self, other, Pointwise.Equal()) }
}
