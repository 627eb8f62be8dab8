// Weight initialisation, with PyTorch's default rules.
//
// PyTorch's layers initialise weights with kaiming_uniform_(a = √5): gain = √(2/(1+a²)) = √(1/3),
// bound = gain·√3/√fan_in = 1/√fan_in, so W ~ U(−1/√fan_in, 1/√fan_in); biases ~ U(±1/√fan_in) with the
// same fan_in. Values are drawn in row-major order from the generator passed in.

import Foundation
import ZooTensor

/// Initialisers for parameter tensors.
public enum Init {
    /// PyTorch's `_calculate_fan_in_and_fan_out`: for a weight of shape [d0, d1, k...],
    /// fan_in = d1·∏k and fan_out = d0·∏k. (For a transposed convolution, whose weight is
    /// [Cin, Cout, k...], this makes fan_in = Cout·∏k, as in PyTorch.)
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        require(shape.count >= 2, "fan in and fan out need a weight of rank ≥ 2, got \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// Values ~ U(low, high).
    public static func uniform(_ shape: [Int], low: Float, high: Float, rng: inout RandomGenerator) -> Tensor {
        let n = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n { values[i] = rng.uniform(low, high) }
        return Tensor(shape: shape, scalars: values)
    }

    /// Values ~ N(mean, std²).
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, rng: inout RandomGenerator) -> Tensor {
        let n = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n { values[i] = mean + std * rng.normal() }
        return Tensor(shape: shape, scalars: values)
    }

    /// N(mean, std²) noise for a batch whose rows lie along `batchAxis` of `shape`: `normal(shape, ...)`,
    /// except under the generator's `batchShard` (data-parallel training), where `shape[batchAxis]` is this
    /// process's share: the noise of the whole global batch is drawn (so every process consumes the
    /// stream a single process would) and this process's rows are kept.
    public static func batchNormal(_ shape: [Int], batchAxis: Int = 0, mean: Float = 0, std: Float = 1,
                                   rng: inout RandomGenerator) -> Tensor {
        guard let shard = rng.batchShard, shard.count > 1 else { return normal(shape, mean: mean, std: std, rng: &rng) }
        require(batchAxis >= 0 && batchAxis < shape.count, "batchNormal: batch axis \(batchAxis) of shape \(shape)")
        var global = shape
        global[batchAxis] *= shard.count
        return normal(global, mean: mean, std: std, rng: &rng)
            .sliced(axis: batchAxis, shard.rows(local: shape[batchAxis])).copy()
    }

    /// PyTorch's default layer weight: kaiming-uniform with a = √5, i.e. U(±1/√fan_in).
    public static func defaultWeight(_ shape: [Int], rng: inout RandomGenerator) -> Tensor {
        let bound = 1 / Float(fans(shape).fanIn).squareRoot()
        return uniform(shape, low: -bound, high: bound, rng: &rng)
    }

    /// PyTorch's default layer bias: U(±1/√fan_in), fan_in being the weight's.
    public static func defaultBias(_ count: Int, fanIn: Int, rng: inout RandomGenerator) -> Tensor {
        let bound = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
        return uniform([count], low: -bound, high: bound, rng: &rng)
    }

    /// kaiming_uniform_ with negative slope `a` (fan_in mode, leaky-ReLU gain).
    public static func kaimingUniform(_ shape: [Int], a: Float = 0, rng: inout RandomGenerator) -> Tensor {
        let gain = (2 / (1 + a * a)).squareRoot()
        let bound = gain * (3 / Float(fans(shape).fanIn)).squareRoot()
        return uniform(shape, low: -bound, high: bound, rng: &rng)
    }

    /// kaiming_normal_ with negative slope `a` (fan_in mode).
    public static func kaimingNormal(_ shape: [Int], a: Float = 0, rng: inout RandomGenerator) -> Tensor {
        let gain = (2 / (1 + a * a)).squareRoot()
        return normal(shape, std: gain / Float(fans(shape).fanIn).squareRoot(), rng: &rng)
    }

    /// xavier_uniform_: U(±gain·√(6/(fan_in+fan_out))).
    public static func xavierUniform(_ shape: [Int], gain: Float = 1, rng: inout RandomGenerator) -> Tensor {
        let (fi, fo) = fans(shape)
        let bound = gain * (6 / Float(fi + fo)).squareRoot()
        return uniform(shape, low: -bound, high: bound, rng: &rng)
    }

    /// xavier_normal_: N(0, gain²·2/(fan_in+fan_out)).
    public static func xavierNormal(_ shape: [Int], gain: Float = 1, rng: inout RandomGenerator) -> Tensor {
        let (fi, fo) = fans(shape)
        return normal(shape, std: gain * (2 / Float(fi + fo)).squareRoot(), rng: &rng)
    }

    /// orthogonal_: the weight viewed as [d0, ∏rest] has orthonormal rows (or columns, whichever are
    /// fewer), scaled by `gain`. Drawn as the Q factor of a Gaussian matrix by modified Gram-Schmidt in
    /// Double, which gives R a positive diagonal: the same Haar distribution as PyTorch's sign-corrected QR.
    public static func orthogonal(_ shape: [Int], gain: Float = 1, rng: inout RandomGenerator) -> Tensor {
        require(shape.count >= 2, "orthogonal init needs rank ≥ 2, got \(shape)")
        let rows = shape[0], cols = shape.dropFirst().reduce(1, *)
        // Orthonormalise the k = min(rows, cols) vectors of length n = max(rows, cols).
        let k = Swift.min(rows, cols), n = Swift.max(rows, cols)
        var q = [[Double]](repeating: [Double](repeating: 0, count: n), count: k)
        for j in 0..<k { for i in 0..<n { q[j][i] = Double(rng.normal()) } }
        for j in 0..<k {
            for p in 0..<j {
                var dot = 0.0
                for i in 0..<n { dot += q[p][i] * q[j][i] }
                for i in 0..<n { q[j][i] -= dot * q[p][i] }
            }
            var norm = 0.0
            for i in 0..<n { norm += q[j][i] * q[j][i] }
            norm = norm.squareRoot()
            for i in 0..<n { q[j][i] /= norm }
        }
        var values = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                values[r * cols + c] = gain * Float(rows <= cols ? q[r][c] : q[c][r])
            }
        }
        return Tensor(shape: shape, scalars: values)
    }
}
