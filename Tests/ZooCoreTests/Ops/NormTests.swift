// Values of the normalisation primitives and functional composites: agreement with PyTorch (F.group_norm,
// F.batch_norm, F.binary_cross_entropy_with_logits, F.log_softmax and F.layer_norm on the same `wave` inputs,
// in float64 by Tools/fixtures/pasted_reference.py, read from Fixtures/reference_values.json), fused kernels
// against their composite formulas, and edge cases.

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// Float32(sin(a·i + b)·s + o) for i in 0..<n, computed in Double (the same inputs the PyTorch script used).
private func wave(_ n: Int, _ a: Double = 0.37, _ b: Double = 0.1, _ s: Double = 2, _ o: Double = 0.5) -> [Float] {
    (0..<n).map { Float(Foundation.sin(a * Double($0) + b) * s + o) }
}

private func maxDiff(_ a: Tensor, _ b: [Float]) -> Float {
    precondition(a.count == b.count, "sizes \(a.count) and \(b.count) differ")
    return zip(a.scalars, b).map { Swift.abs($0 - $1) / Swift.max(1, Swift.abs($1)) }.max() ?? 0
}

private func maxDiff(_ a: Tensor, _ b: Tensor) -> Float { maxDiff(a, b.scalars) }

/// x [N, C, ...] group-normalised with recorded composite ops (the definition).
private func groupNormReference(_ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
    let n = x.shape[0], c = x.shape[1]
    let v = x.reshaped([n, groups, -1])
    let centered = v - v.mean(axis: 2, keepDims: true)
    var y = (centered / sqrt((centered * centered).mean(axis: 2, keepDims: true) + eps)).reshaped([n, c, -1])
    if let weight { y = y * weight.reshaped([1, c, 1]) }
    if let bias { y = y + bias.reshaped([1, c, 1]) }
    return y.reshaped(x.shape)
}

@Suite struct NormTests {
    // MARK: - PyTorch agreement

    @Test func groupNormMatchesPyTorch() {
        let x = Tensor(shape: [2, 4, 3], scalars: wave(24)).requiringGrad()
        let w = Tensor(wave(4, 0.9, 0.3, 0.5, 1.0)).requiringGrad()
        let b = Tensor(wave(4, 1.3, 0.2, 0.3, 0.0)).requiringGrad()
        let y = groupNorm(x, groups: 2, weight: w, bias: b)
        let g = gradients(of: y, wrt: [x, w, b], seed: Tensor(shape: [2, 4, 3], scalars: wave(24, 0.71, 0.5, 1, 0)))
        #expect(maxDiff(y, referenceValues("norm.group_norm.y")) < 1e-5)
        #expect(maxDiff(g[0], referenceValues("norm.group_norm.dx")) < 1e-5)
        #expect(maxDiff(g[1], referenceValues("norm.group_norm.dw")) < 1e-5)
        #expect(maxDiff(g[2], referenceValues("norm.group_norm.db")) < 1e-5)
    }

    @Test func batchNormMatchesPyTorchInTrainingAndEvaluation() {
        let x = Tensor(shape: [3, 2, 2], scalars: wave(12, 0.53, 0.2, 1.5, 0.3)).requiringGrad()
        let w = Tensor([1.2, 0.7]).requiringGrad(), b = Tensor([0.1, -0.3]).requiringGrad()
        let seed = Tensor(shape: [3, 2, 2], scalars: wave(12, 0.71, 0.5, 1, 0))
        let train = batchNorm(x, runningMean: Tensor([0.5, -0.2]), runningVariance: Tensor([1.5, 0.8]),
                              weight: w, bias: b, training: true, momentum: 0.1)
        let g = gradients(of: train.output, wrt: [x, w, b], seed: seed)
        #expect(maxDiff(train.output, referenceValues("norm.batch_norm.train.y")) < 1e-5)
        #expect(maxDiff(g[0], referenceValues("norm.batch_norm.train.dx")) < 1e-5)
        #expect(maxDiff(g[1], referenceValues("norm.batch_norm.train.dw")) < 1e-5)
        #expect(maxDiff(g[2], referenceValues("norm.batch_norm.train.db")) < 1e-5)
        #expect(maxDiff(train.runningMean, referenceValues("norm.batch_norm.running_mean")) < 1e-6)
        #expect(maxDiff(train.runningVariance, referenceValues("norm.batch_norm.running_var")) < 1e-6)
        #expect(!train.runningMean.requiresGrad && !train.runningVariance.requiresGrad)

        let eval = batchNorm(x, runningMean: train.runningMean, runningVariance: train.runningVariance,
                             weight: w, bias: b, training: false)
        let ge = gradients(of: eval.output, wrt: [x, w, b], seed: seed)
        #expect(maxDiff(eval.output, referenceValues("norm.batch_norm.eval.y")) < 1e-5)
        #expect(maxDiff(ge[0], referenceValues("norm.batch_norm.eval.dx")) < 1e-5)
        #expect(maxDiff(ge[1], referenceValues("norm.batch_norm.eval.dw")) < 1e-5)
        #expect(maxDiff(ge[2], referenceValues("norm.batch_norm.eval.db")) < 1e-5)
        #expect(eval.runningMean.scalars == train.runningMean.scalars)
    }

    @Test func binaryCrossEntropyWithLogitsMatchesPyTorch() {
        let x = Tensor(wave(8, 1.1, 0, 6, 0)).requiringGrad()
        let z = Tensor(wave(8, 0.8, 0.4, 0.5, 0.5))
        let loss = binaryCrossEntropyWithLogits(logits: x, targets: z)
        #expect(Swift.abs(Double(loss.item) - referenceScalar("norm.bce.loss")) < 1e-6)
        #expect(maxDiff(gradients(of: loss, wrt: [x])[0], referenceValues("norm.bce.dx")) < 1e-6)
        #expect(maxDiff(binaryCrossEntropyWithLogits(logits: x, targets: z, reduction: .none), referenceValues("norm.bce.none")) < 1e-6)
    }

    @Test func logSoftmaxMatchesPyTorch() {
        let x = Tensor(shape: [3, 4], scalars: wave(12, 0.61, 0.3, 3, 0)).requiringGrad()
        let y = logSoftmax(x, axis: 1)
        let dx = gradients(of: y, wrt: [x], seed: Tensor(shape: [3, 4], scalars: wave(12, 0.71, 0.5, 1, 0)))[0]
        #expect(maxDiff(y, referenceValues("norm.log_softmax.y")) < 1e-6)
        #expect(maxDiff(dx, referenceValues("norm.log_softmax.dx")) < 1e-6)
    }

    @Test func layerNormMatchesPyTorch() {
        let x = Tensor(shape: [2, 3, 4], scalars: wave(24, 0.29, 0.7, 2, 1)).requiringGrad()
        let w = Tensor(shape: [3, 4], scalars: wave(12, 0.9, 0.3, 0.5, 1)).requiringGrad()
        let b = Tensor(shape: [3, 4], scalars: wave(12, 1.3, 0.2, 0.3, 0)).requiringGrad()
        let y = layerNorm(x, normalizedShape: [3, 4], weight: w, bias: b)
        let g = gradients(of: y, wrt: [x, w, b], seed: Tensor(shape: [2, 3, 4], scalars: wave(24, 0.71, 0.5, 1, 0)))
        #expect(maxDiff(y, referenceValues("norm.layer_norm.y")) < 1e-5)
        #expect(maxDiff(g[0], referenceValues("norm.layer_norm.dx")) < 1e-5)
        #expect(maxDiff(g[1], referenceValues("norm.layer_norm.dw")) < 1e-5)
        #expect(maxDiff(g[2], referenceValues("norm.layer_norm.db")) < 1e-5)
    }
}

extension NormTests {
    // MARK: - fused kernels against their composite definitions

    /// Random inputs of `shape` from a seed.
    private func random(_ shape: [Int], seed: UInt64, scale: Float = 1, offset: Float = 0) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.normal() * scale + offset })
    }

    @Test(arguments: [([2, 6, 5, 7], 3), ([3, 4, 2, 3, 5], 2), ([4, 8], 4), ([2, 6, 33], 1), ([1, 4, 1, 1], 4)])
    func groupNormFusedMatchesComposite(shape: [Int], groups: Int) {
        let c = shape[1]
        let x = random(shape, seed: 1, scale: 2, offset: 0.5).requiringGrad()
        let w = random([c], seed: 2).requiringGrad(), b = random([c], seed: 3).requiringGrad()
        let seed = random(shape, seed: 4)
        let fused = groupNorm(x, groups: groups, weight: w, bias: b)
        let reference = groupNormReference(x, groups: groups, weight: w, bias: b)
        #expect(maxDiff(fused, reference) < 1e-5)
        let gf = gradients(of: fused, wrt: [x, w, b], seed: seed)
        let gr = gradients(of: reference, wrt: [x, w, b], seed: seed)
        for i in 0..<3 { #expect(maxDiff(gf[i], gr[i]) < 1e-4, "input \(i)") }
    }

    @Test func fusedBackwardMatchesRecordedBackward() {
        // createGraph switches the primitive to its composite backward: both must give the same numbers.
        let x = random([2, 4, 3, 5], seed: 5).requiringGrad()
        let w = random([4], seed: 6).requiringGrad(), b = random([4], seed: 7).requiringGrad()
        let seed = random([2, 4, 3, 5], seed: 8)
        for slope: Float? in [nil, 0.2] {
            let f: () -> Tensor = {
                slope.map { groupNormLeakyRelu(x, groups: 2, weight: w, bias: b, negativeSlope: $0) }
                    ?? groupNorm(x, groups: 2, weight: w, bias: b)
            }
            let fast = gradients(of: f(), wrt: [x, w, b], seed: seed)
            let recorded = gradients(of: f(), wrt: [x, w, b], seed: seed, createGraph: true)
            for i in 0..<3 { #expect(maxDiff(fast[i], recorded[i]) < 1e-5, "slope \(String(describing: slope)) input \(i)") }
        }
        let bn: () -> Tensor = {
            batchNorm(x, runningMean: .zeros([4]), runningVariance: .ones([4]), weight: w, bias: b, training: true).output
        }
        let fast = gradients(of: bn(), wrt: [x, w, b], seed: seed)
        let recorded = gradients(of: bn(), wrt: [x, w, b], seed: seed, createGraph: true)
        for i in 0..<3 { #expect(maxDiff(fast[i], recorded[i]) < 1e-5, "batchNorm input \(i)") }
    }

    @Test func groupNormLeakyReluEqualsTheComposition() {
        let x = random([2, 6, 4, 4], seed: 9).requiringGrad()
        let w = random([6], seed: 10).requiringGrad(), b = random([6], seed: 11).requiringGrad()
        let seed = random([2, 6, 4, 4], seed: 12)
        let fused = groupNormLeakyRelu(x, groups: 3, weight: w, bias: b, negativeSlope: 0.2)
        let composed = leakyRelu(groupNorm(x, groups: 3, weight: w, bias: b), negativeSlope: 0.2)
        #expect(maxDiff(fused, composed) < 1e-6)
        let gf = gradients(of: fused, wrt: [x, w, b], seed: seed)
        let gc = gradients(of: composed, wrt: [x, w, b], seed: seed)
        for i in 0..<3 { #expect(maxDiff(gf[i], gc[i]) < 1e-5, "input \(i)") }
    }

    @Test func groupNormKeepsPrecisionUnderALargeMean() {
        // Values 1e4 ± 1: the shifted moments must still find unit variance (a naive E[x²] − E[x]² in
        // Float would lose it entirely).
        let x = random([2, 4, 64, 64], seed: 13, offset: 10_000)
        let y = groupNorm(x, groups: 2)
        let v = y.reshaped([4, -1])
        #expect(v.mean(axis: 1).scalars.allSatisfy { Swift.abs($0) < 2e-3 })
        #expect(v.variance(axes: [1]).scalars.allSatisfy { Swift.abs($0 - 1) < 2e-3 })
    }

    @Test(arguments: [[2, 5, 3, 7], [3, 4, 1200], [2, 6, 2, 3, 4], [4, 3]])
    func channelLayerNormFusedMatchesComposite(shape: [Int]) {
        let c = shape[1]
        let x = random(shape, seed: 20, scale: 2, offset: 0.5).requiringGrad()
        let w = random([1, c] + [Int](repeating: 1, count: shape.count - 2), seed: 21).requiringGrad()
        let b = random(w.shape, seed: 22).requiringGrad()
        let seed = random(shape, seed: 23)
        let centered = x - x.mean(axis: 1, keepDims: true)
        let reference = centered / sqrt((centered * centered).mean(axis: 1, keepDims: true) + 1e-5) * w + b
        let fused = channelLayerNorm(x, weight: w, bias: b)
        #expect(maxDiff(fused, reference) < 1e-5)
        let gf = gradients(of: fused, wrt: [x, w, b], seed: seed)
        let gr = gradients(of: reference, wrt: [x, w, b], seed: seed)
        let recorded = gradients(of: channelLayerNorm(x, weight: w, bias: b), wrt: [x, w, b], seed: seed, createGraph: true)
        for i in 0..<3 {
            #expect(maxDiff(gf[i], gr[i]) < 1e-4, "input \(i)")
            #expect(maxDiff(gf[i], recorded[i]) < 1e-4, "recorded backward, input \(i)")
        }
        // A large common offset must not cost the variance its precision: against a Double reference on the
        // same Float inputs (a one-pass E[x²] − E[x]² in Float would be off by several percent here).
        let xs = random(shape, seed: 24, offset: 1_000)
        #expect(maxDiff(channelLayerNorm(xs), channelNormInDouble(xs)) < 1e-3)
    }

    /// Channel LayerNorm (no affine, ε = 1e-5) of x's Float values, computed in Double.
    private func channelNormInDouble(_ x: Tensor) -> [Float] {
        let n = x.shape[0], c = x.shape[1], s = x.count / (n * c)
        let v = x.scalars.map(Double.init)
        var out = [Float](repeating: 0, count: x.count)
        for i in 0..<n {
            for p in 0..<s {
                let idx = (0..<c).map { (i * c + $0) * s + p }
                let mean = idx.reduce(0) { $0 + v[$1] } / Double(c)
                let variance = idx.reduce(0) { $0 + (v[$1] - mean) * (v[$1] - mean) } / Double(c)
                for j in idx { out[j] = Float((v[j] - mean) / (variance + 1e-5).squareRoot()) }
            }
        }
        return out
    }

    @Test func batchNormUpdatesRunningStatisticsLikePyTorch() {
        // running ← (1 − m)·running + m·batch, with the unbiased batch variance.
        let x = random([4, 3, 5], seed: 14, scale: 3, offset: 1)
        let out = batchNorm(x, runningMean: Tensor([1, 2, 3]), runningVariance: Tensor([4, 5, 6]),
                            weight: nil, bias: nil, training: true, momentum: 0.25)
        let perChannel = x.permuted([1, 0, 2]).reshaped([3, -1])
        let mean = perChannel.mean(axis: 1).scalars, varU = perChannel.variance(axes: [1], unbiased: true).scalars
        for c in 0..<3 {
            #expect(Swift.abs(out.runningMean.scalars[c] - (0.75 * Float(c + 1) + 0.25 * mean[c])) < 1e-5)
            #expect(Swift.abs(out.runningVariance.scalars[c] - (0.75 * Float(c + 4) + 0.25 * varU[c])) < 1e-4)
        }
        // The output is normalised with the biased variance: each channel has variance 1 − O(ε).
        let y = out.output.permuted([1, 0, 2]).reshaped([3, -1])
        #expect(y.variance(axes: [1]).scalars.allSatisfy { Swift.abs($0 - 1) < 1e-4 })
    }

    // MARK: - functional composites

    @Test func softmaxIsStableAndNormalised() {
        let x = Tensor(shape: [2, 3], scalars: [1000, 1001, 1002, -1000, 0, 1000])
        let p = softmax(x, axis: 1)
        #expect(p.isFinite)
        #expect(p.sum(axis: 1).scalars.allSatisfy { Swift.abs($0 - 1) < 1e-6 })
        #expect(Swift.abs(p.scalars[2] - 0.66524096) < 1e-6)
        #expect(logSoftmax(x, axis: 1).isFinite)
        // Along axis 0 the columns are (1000, −1000), (1001, 0), (1002, 1000): the last is σ(±2).
        #expect(maxDiff(softmax(x, axis: 0), [1, 1, 0.88079708, 0, 0, 0.11920292]) < 1e-6)
    }

    @Test func dropoutScalesSurvivorsAndIsIdentityInEvaluation() {
        let x = Tensor.ones([100, 100])
        var rng = RandomGenerator(seed: 3)
        let before = rng
        #expect(dropout(x, probability: 0.3, training: false, rng: &rng).scalars == x.scalars)
        #expect(rng == before)
        let y = dropout(x, probability: 0.3, training: true, rng: &rng)
        let zeros = y.scalars.filter { $0 == 0 }.count
        #expect(zeros > 2_800 && zeros < 3_200)
        #expect(y.scalars.allSatisfy { $0 == 0 || Swift.abs($0 - 1 / 0.7) < 1e-6 })
        var again = before
        #expect(dropout(x, probability: 0.3, training: true, rng: &again).scalars == y.scalars)
    }

    @Test func bceStaysFiniteForExtremeLogits() {
        let x = Tensor([-100, -30, 30, 100]).requiringGrad(), z = Tensor([1, 0, 1, 0])
        let loss = binaryCrossEntropyWithLogits(logits: x, targets: z, reduction: .none)
        #expect(maxDiff(loss, [100, 0, 0, 100]) < 1e-5)
        #expect(maxDiff(gradients(of: loss.sum(), wrt: [x])[0], [-1, 0, 0, 1]) < 1e-6)
    }

    @Test func gaussianKLMatchesTheClosedForm() {
        // KL(N(0, 1) ‖ N(0, 1)) = 0; KL(N(1, e) ‖ N(0, 1)) = ½(−1 + e + 1 − 1) = (e − 1)/2.
        let kl = gaussianKL(mu1: Tensor([0, 1]), logvar1: Tensor([0, 1]), mu2: Tensor([0, 0]), logvar2: Tensor([0, 0]))
        #expect(maxDiff(kl, [0, (Float(M_E) - 1) / 2]) < 1e-6)
        // σ₁ = 0.5, σ₂ = 2, Δμ = 1: log 4 + (0.25 + 1)/8 − ½.
        let kl2 = gaussianKL(mu1: Tensor([1]), logvar1: Tensor([Float(Foundation.log(0.25))]),
                             mu2: Tensor([0]), logvar2: Tensor([Float(Foundation.log(4.0))]))
        #expect(Swift.abs(kl2.item - (Float(Foundation.log(4.0)) + 1.25 / 8 - 0.5)) < 1e-6)
    }

    @Test func lossesReduce() {
        let a = Tensor([1, 2, 3, 4]), b = Tensor([0, 4, 3, 1])
        #expect(l1Loss(a, b).item == 1.5)
        #expect(l1Loss(a, b, reduction: .sum).item == 6)
        #expect(mseLoss(a, b).item == 3.5)
        #expect(mseLoss(a, b, reduction: .none).scalars == [1, 4, 0, 9])
        #expect(hingeDiscriminatorLoss(real: Tensor([2, 0]), fake: Tensor([-2, 0])).item == 1)
        #expect(hingeGeneratorLoss(fake: Tensor([1, 3])).item == -2)
    }

    @Test func pixelNormAndMinibatchStddev() {
        let x = random([3, 4, 2, 2], seed: 15)
        let p = pixelNorm(x)
        #expect((p * p).mean(axis: 1).scalars.allSatisfy { Swift.abs($0 - 1) < 1e-5 })
        let m = minibatchStddev(x)
        #expect(m.shape == [3, 5, 2, 2])
        let centered = x - x.mean(axis: 0, keepDims: true)
        let expected = sqrt((centered * centered).mean(axis: 0) + 1e-8).mean().item
        #expect(m.sliced(axis: 1, 4..<5).scalars.allSatisfy { Swift.abs($0 - expected) < 1e-6 })
        #expect(m.sliced(axis: 1, 0..<4).scalars == x.scalars)
        #expect(minibatchStddev(random([2, 3, 2, 2, 2], seed: 16)).shape == [2, 4, 2, 2, 2])
    }

    @Test func linearAttentionMatchesALoopAndRVDShapes() {
        #expect(linearAttention(random([2, 192, 4, 4], seed: 17), heads: 4, dimHead: 16).shape == [2, 64, 4, 4])
        let (b, heads, d, hw) = (2, 2, 3, 5)
        let qkv = random([b, 3 * heads * d, 1, hw], seed: 18)
        let out = linearAttention(qkv, heads: heads, dimHead: d).scalars
        let v = qkv.scalars
        func at(_ part: Int, _ bi: Int, _ h: Int, _ ch: Int, _ n: Int) -> Float {
            v[((bi * 3 * heads + part * heads + h) * d + ch) * hw + n]
        }
        var worst: Float = 0
        for bi in 0..<b {
            for h in 0..<heads {
                var k = [[Float]](repeating: [Float](repeating: 0, count: hw), count: d)
                for ch in 0..<d {
                    let row = (0..<hw).map { at(1, bi, h, ch, $0) }
                    let mx = row.max()!, e = row.map { Foundation.exp($0 - mx) }, s = e.reduce(0, +)
                    k[ch] = e.map { $0 / s }
                }
                for e in 0..<d {
                    for n in 0..<hw {
                        var acc: Float = 0
                        for dd in 0..<d {
                            var ctx: Float = 0
                            for m in 0..<hw { ctx += k[dd][m] * at(2, bi, h, e, m) }
                            acc += ctx * at(0, bi, h, dd, n) / Float(d).squareRoot()
                        }
                        worst = Swift.max(worst, Swift.abs(acc - out[((bi * heads + h) * d + e) * hw + n]))
                    }
                }
            }
        }
        #expect(worst < 1e-5)
    }
}
