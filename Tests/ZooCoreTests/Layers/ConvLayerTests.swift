// Convolution and normalisation layers: counts, PyTorch-default init ranges (fan_in from weight axis 1
// for transposed convolutions), output shapes, names and gradient flow.

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

@Suite struct ConvolutionLayers {
    @Test func conv2dCountInitShapeGradient() {
        var rng = RandomGenerator(seed: 11)
        let conv = Conv2d(3, 48, kernelSize: 3, padding: 1, rng: &rng)
        #expect(conv.parameterCount == 1344)
        #expect(conv.namedParameters().map(\.0) == ["weight", "bias"])
        expectUniformInit(conv.weight.value, bound: 1 / Float(27).squareRoot())
        expectUniformInit(conv.bias!.value, bound: 1 / Float(27).squareRoot())
        let x = randomLayerInput([2, 3, 8, 8], &rng)
        #expect(conv(x).shape == [2, 48, 8, 8])
        let down = Conv2d(4, 4, kernelSize: 3, stride: 2, padding: 1, rng: &rng)
        #expect(down(randomLayerInput([1, 4, 8, 8], &rng)).shape == [1, 4, 4, 4])
        let same = Conv2d(3, 2, kernelSize: (3, 3), stride: (2, 2), padding: .same, rng: &rng)
        #expect(same(randomLayerInput([1, 3, 7, 7], &rng)).shape == [1, 2, 4, 4])
        let small = Conv2d(3, 2, kernelSize: 3, padding: 1, rng: &rng)
        expectGradientReachesEveryParameter(small) { small(randomLayerInput([2, 3, 5, 5], &rng)) }
        #expect(Conv2d(3, 2, kernelSize: 1, bias: false, rng: &rng).namedParameters().map(\.0) == ["weight"])
    }

    @Test func convTranspose2dUsesFanInOfWeightAxisOne() {
        var rng = RandomGenerator(seed: 12)
        // RVD's Upsample: ConvTranspose2d(c, c, 4, 2, 1); here 48 → 24: weight [48, 24, 4, 4], fan_in 24·16.
        let up = ConvTranspose2d(48, 24, kernelSize: 4, stride: 2, padding: 1, rng: &rng)
        #expect(up.weight.shape == [48, 24, 4, 4])
        #expect(up.parameterCount == 48 * 24 * 16 + 24)
        expectUniformInit(up.weight.value, bound: 1 / Float(24 * 16).squareRoot())
        expectUniformInit(up.bias!.value, bound: 1 / Float(24 * 16).squareRoot())
        #expect(up(randomLayerInput([1, 48, 5, 5], &rng)).shape == [1, 24, 10, 10])
        let small = ConvTranspose2d(2, 3, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, rng: &rng)
        let x = randomLayerInput([2, 2, 3, 3], &rng)
        #expect(small(x).shape == [2, 3, 6, 6])
        expectGradientReachesEveryParameter(small) { small(x) }
    }

    @Test func conv3dLayers() {
        var rng = RandomGenerator(seed: 13)
        let conv = Conv3d(2, 4, kernelSize: 3, padding: 1, rng: &rng)
        #expect(conv.parameterCount == 4 * 2 * 27 + 4)
        expectUniformInit(conv.weight.value, bound: 1 / Float(54).squareRoot())
        let x = randomLayerInput([1, 2, 3, 4, 4], &rng)
        #expect(conv(x).shape == [1, 4, 3, 4, 4])
        expectGradientReachesEveryParameter(conv) { conv(x) }
        let up = ConvTranspose3d(4, 2, kernelSize: (1, 4, 4), stride: (1, 2, 2), padding: (0, 1, 1), rng: &rng)
        #expect(up.weight.shape == [4, 2, 1, 4, 4])
        expectUniformInit(up.weight.value, bound: 1 / Float(2 * 16).squareRoot())
        let y = randomLayerInput([1, 4, 2, 3, 3], &rng)
        #expect(up(y).shape == [1, 2, 2, 6, 6])
        expectGradientReachesEveryParameter(up) { up(y) }
    }
}

@Suite struct NormalizationLayers {
    @Test func groupAndLayerNorms() {
        var rng = RandomGenerator(seed: 14)
        let x = randomLayerInput([2, 8, 3, 3], &rng)
        let gn = GroupNorm(groups: 4, channels: 8)
        #expect(gn.namedParameters().map(\.0) == ["weight", "bias"])
        #expect(gn.weight!.value.scalars == [Float](repeating: 1, count: 8))
        #expect(gn.bias!.value.scalars == [Float](repeating: 0, count: 8))
        #expect(gn(x).shape == x.shape)
        gn.weight!.value = randomLayerInput([8], &rng)
        expectGradientReachesEveryParameter(gn) { gn(x) }
        let fused = gn.leakyRelu(x, negativeSlope: 0.2).scalars, composed = leakyRelu(gn(x), negativeSlope: 0.2).scalars
        for (a, b) in zip(fused, composed) { #expect(Swift.abs(a - b) < 1e-5) }

        let ln = LayerNorm([3, 3])
        #expect(ln.weight!.shape == [3, 3])
        ln.weight!.value = randomLayerInput([3, 3], &rng)
        expectGradientReachesEveryParameter(ln) { ln(x) }

        let cln = ChannelLayerNorm(channels: 8)
        #expect(cln.namedParameters().map(\.0) == ["g", "b"])
        #expect(cln.weight.shape == [1, 8, 1, 1])
        let y = cln(x)
        // Each position normalised over the 8 channels: mean 0, biased variance ≈ 1 (ε = 1e-5).
        let mean = y.mean(axis: 1).scalars, variance = y.variance(axes: [1]).scalars
        for m in mean { #expect(Swift.abs(m) < 1e-5) }
        for v in variance { #expect(Swift.abs(v - 1) < 1e-3) }
        cln.weight.value = randomLayerInput([1, 8, 1, 1], &rng)
        expectGradientReachesEveryParameter(cln) { cln(x) }
    }

    @Test func batchNormTracksRunningStatistics() {
        var rng = RandomGenerator(seed: 15)
        let bn = BatchNorm(channels: 3)
        #expect(bn.namedParameters().map(\.0) == ["weight", "bias"])
        #expect(bn.namedBuffers().map(\.0) == ["running_mean", "running_var", "num_batches_tracked"])
        let x = randomLayerInput([4, 3, 2, 2], &rng) * 2 + 0.5
        let y = bn(x, training: true)
        #expect(y.shape == x.shape)
        // Running statistics: 0.9·initial + 0.1·batch (unbiased variance over N·H·W = 16 values).
        let batchMean = x.mean(axes: [0, 2, 3]).scalars
        let batchVar = x.variance(axes: [0, 2, 3], unbiased: true).scalars
        for c in 0..<3 {
            #expect(Swift.abs(bn.runningMean.value.scalars[c] - 0.1 * batchMean[c]) < 1e-6)
            #expect(Swift.abs(bn.runningVariance.value.scalars[c] - (0.9 + 0.1 * batchVar[c])) < 1e-5)
        }
        #expect(bn.batchesTracked.value.item == 1)
        // Training output: per-channel mean 0.
        for m in y.mean(axes: [0, 2, 3]).scalars { #expect(Swift.abs(m) < 1e-5) }
        // Evaluation uses the running statistics and leaves them alone.
        let before = bn.runningMean.value.scalars
        let e = bn(x, training: false)
        #expect(bn.runningMean.value.scalars == before)
        let rm = bn.runningMean.value.scalars, rv = bn.runningVariance.value.scalars
        for i in 0..<x.count {
            let c = (i / 4) % 3
            let expected = (x.scalars[i] - rm[c]) / (rv[c] + 1e-5).squareRoot()
            #expect(Swift.abs(e.scalars[i] - expected) < 1e-5)
        }
        bn.weight!.value = Tensor([0.5, 1.5, -1])
        expectGradientReachesEveryParameter(bn) { bn(x, training: true) }
        let x3 = randomLayerInput([2, 3, 2, 2, 2], &rng)
        #expect(bn(x3, training: true).shape == x3.shape)
    }

    @Test func dropoutLayer() {
        var rng = RandomGenerator(seed: 16)
        let d = Dropout(probability: 0.5)
        let x = Tensor.ones([1000])
        #expect(d(x, training: false, rng: &rng).scalars == x.scalars)
        let y = d(x, training: true, rng: &rng).scalars
        #expect(Set(y) == [0, 2])
        let kept = y.filter { $0 != 0 }.count
        #expect(kept > 430 && kept < 570)
    }
}
