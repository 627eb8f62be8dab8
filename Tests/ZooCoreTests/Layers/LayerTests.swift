// Layers: parameter counts, PyTorch-default initialisation ranges, forward shapes and gradient flow.

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// Random tensor with values in [-1, 1).
func randomLayerInput(_ shape: [Int], _ rng: inout RandomGenerator) -> Tensor {
    Init.uniform(shape, low: -1, high: 1, rng: &rng)
}

/// Checks that every parameter of `module` gets a nonzero gradient from Σ w⊙f().
func expectGradientReachesEveryParameter(_ module: some Module, _ f: () -> Tensor,
                                         sourceLocation: SourceLocation = #_sourceLocation) {
    let params = module.namedParameters()
    let y = f()
    var rng = RandomGenerator(seed: 99)
    let w = randomLayerInput(y.shape, &rng)
    let grads = gradients(of: (y * w).sum(), wrt: params)
    for ((name, p), g) in zip(params, grads) {
        #expect(g.shape == p.shape, sourceLocation: sourceLocation)
        #expect(g.scalars.contains { $0 != 0 } && g.isFinite, "no gradient for \(name)", sourceLocation: sourceLocation)
    }
}

/// Checks that all values lie in [−bound, bound] and spread over most of it (a uniform draw).
func expectUniformInit(_ t: Tensor, bound: Float, sourceLocation: SourceLocation = #_sourceLocation) {
    let v = t.scalars
    let lo = v.min()!, hi = v.max()!
    #expect(lo >= -bound && hi <= bound, "values outside ±\(bound): [\(lo), \(hi)]", sourceLocation: sourceLocation)
    if v.count >= 200 {
        #expect(lo < -0.9 * bound && hi > 0.9 * bound, "values do not fill ±\(bound): [\(lo), \(hi)]",
                sourceLocation: sourceLocation)
        let mean = v.reduce(0, +) / Float(v.count)
        let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(v.count)
        // U(−b, b) has variance b²/3; allow 10 % for a few hundred draws.
        #expect(Swift.abs(variance / (bound * bound / 3) - 1) < 0.1, sourceLocation: sourceLocation)
    }
}

@Suite struct LinearAndEmbeddingLayers {
    @Test func linearInitShapeAndGradient() {
        var rng = RandomGenerator(seed: 2)
        let layer = Linear(100, 30, rng: &rng)
        #expect(layer.parameterCount == 100 * 30 + 30)
        expectUniformInit(layer.weight.value, bound: 0.1)
        expectUniformInit(layer.bias!.value, bound: 0.1)
        let x = randomLayerInput([2, 5, 100], &rng)
        #expect(layer(x).shape == [2, 5, 30])
        expectGradientReachesEveryParameter(layer) { layer(x) }
    }

    @Test func linearMatchesHandComputation() {
        let layer = Linear(weight: Tensor(shape: [2, 3], scalars: [1, 2, 3, -1, 0, 1]), bias: Tensor([0.5, -0.5]))
        let y = layer(Tensor(shape: [1, 3], scalars: [1, 1, 2]))
        #expect(y.scalars == [9.5, 0.5])
    }

    @Test func sinusoidalEmbeddingMatchesRVDFormula() {
        let emb = SinusoidalEmbedding(dimension: 8)
        let t = Tensor([0, 3, 1599])
        let y = emb(t)
        #expect(y.shape == [3, 8])
        for (row, step) in [0.0, 3.0, 1599.0].enumerated() {
            for k in 0..<4 {
                let freq = Foundation.exp(-Double(k) * Foundation.log(10000.0) / 3)
                let s = Float(Foundation.sin(step * freq)), c = Float(Foundation.cos(step * freq))
                // Float32 argument rounding: |Δ| ≲ |t·freq|·2⁻²³ ≈ 2e-4 at t = 1599.
                #expect(Swift.abs(y.scalars[row * 8 + k] - s) < 3e-4)
                #expect(Swift.abs(y.scalars[row * 8 + 4 + k] - c) < 3e-4)
            }
        }
    }

    @Test func sinusoidalEmbeddingMatchesPyTorch() {
        // RVD's SinusoidalPosEmb(48) on the int64 steps [0, 7, 1599], run in float32 as RVD runs it
        // (Tools/fixtures/pasted_reference.py → Fixtures/reference_values.json).
        let y = SinusoidalEmbedding(dimension: 48)(Tensor([0, 7, 1599]))
        let expected = referenceValues("layer.sinusoidal_embedding_48")
        #expect(y.shape == [3, 48] && expected.count == 3 * 48)
        for (k, (a, b)) in zip(y.scalars, expected).enumerated() { #expect(Swift.abs(a - b) < 1e-6, "[\(k / 48), \(k % 48)]") }
        #expect(y.scalars[0..<24].allSatisfy { $0 == 0 } && y.scalars[24..<48].allSatisfy { $0 == 1 })
    }

    @Test func initHelpers() {
        #expect(Init.fans([16, 3, 3, 3]) == (27, 144))
        #expect(Init.fans([8, 4]) == (4, 8))
        var rng = RandomGenerator(seed: 5)
        let q = Init.orthogonal([3, 5], rng: &rng)
        let gram = matmul(q, q, transposeB: true).scalars
        for i in 0..<3 { for j in 0..<3 { #expect(Swift.abs(gram[i * 3 + j] - (i == j ? 1 : 0)) < 1e-5) } }
        let tall = Init.orthogonal([6, 2], gain: 2, rng: &rng)
        let gram2 = matmul(tall, tall, transposeA: true).scalars
        for i in 0..<2 { for j in 0..<2 { #expect(Swift.abs(gram2[i * 2 + j] - (i == j ? 4 : 0)) < 1e-4) } }
    }
}
