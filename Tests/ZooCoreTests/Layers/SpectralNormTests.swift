// SpectralNorm: PyTorch's names, the power iteration, agreement with torch.nn.utils.spectral_norm and
// gradients through σ(W).

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

private func det(_ shape: [Int], _ scale: Double, _ phase: Double) -> Tensor {
    let n = shape.reduce(1, *)
    return Tensor(shape: shape, scalars: (0..<n).map { Float(Foundation.sin(Double($0) * 0.7 + phase) * scale) })
}

/// x / ‖x‖ in Float.
private func unit(_ t: Tensor) -> Tensor {
    let norm = t.scalars.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return Tensor(shape: t.shape, scalars: t.scalars.map { $0 / norm })
}

@Suite struct SpectralNormalization {
    @Test func namesAsPyTorch() {
        var rng = RandomGenerator(seed: 30)
        let sn = SpectralNorm(Conv2d(3, 4, kernelSize: 3, rng: &rng), rng: &rng)
        #expect(sn.namedParameters().map(\.0) == ["weight_orig", "bias"])
        #expect(sn.namedBuffers().map(\.0) == ["weight_u", "weight_v"])
        #expect(sn.u.shape == [4] && sn.v.shape == [27])
        let dvd = SpectralNorm(Linear(5, 2, rng: &rng), weightKey: "weight_bar", rng: &rng)
        #expect(dvd.namedParameters().map(\.0) == ["weight_bar", "bias"])
        let t = SpectralNorm(ConvTranspose2d(3, 2, kernelSize: 3, rng: &rng), rng: &rng)
        #expect(t.u.shape == [2] && t.v.shape == [27])
    }

    @Test func matchesTorchSpectralNormOnATransposedConv() {
        // torch: spectral_norm(ConvTranspose2d(3, 2, 3, stride 2, padding 1)) (dim 1), weight_u and
        // weight_v set to the normalised det vectors, two training forwards, then one in eval
        // (Tools/fixtures/pasted_reference.py, in float64).
        var rng = RandomGenerator(seed: 31)
        let conv = ConvTranspose2d(3, 2, kernelSize: 3, stride: 2, padding: 1, rng: &rng)
        conv.weight.value = det([3, 2, 3, 3], 0.5, 0.3)
        conv.bias!.value = Tensor([0.1, -0.2])
        let sn = SpectralNorm(conv, rng: &rng)
        sn.u.value = unit(det([2], 1, 1))
        sn.v.value = unit(det([27], 1, 2))
        let x = det([1, 3, 2, 2], 1, 0.5)
        _ = sn(x, training: true)
        let y = sn(x, training: true)
        let expected = referenceValues("spectral_norm.conv_transpose.y")
        #expect(y.shape == [1, 2, 3, 3] && expected.count == 18)
        for (a, b) in zip(y.scalars, expected) { #expect(Swift.abs(a - b) < 2e-6) }
        for (a, b) in zip(sn.u.value.scalars, referenceValues("spectral_norm.conv_transpose.u")) { #expect(Swift.abs(a - b) < 1e-6) }
        for (a, b) in zip(sn.v.value.scalars, referenceValues("spectral_norm.conv_transpose.v")) { #expect(Swift.abs(a - b) < 1e-6) }
        // Evaluation reuses u and v: same output, buffers unchanged.
        let u = sn.u.value.scalars
        #expect(sn(x, training: false).scalars == y.scalars)
        #expect(sn.u.value.scalars == u)
        // The estimate after two steps, and torch.linalg.svdvals' largest singular value (equal to 1e-7 here).
        #expect(Swift.abs(Double(sn.sigma) - referenceScalar("spectral_norm.conv_transpose.sigma")) < 1e-5)
        #expect(Swift.abs(Double(sn.sigma) - referenceScalar("spectral_norm.conv_transpose.largest_singular_value")) < 1e-5)
    }

    @Test func powerIterationFindsTheLargestSingularValue() {
        var rng = RandomGenerator(seed: 32)
        let layer = Linear(weight: Tensor(shape: [2, 3], scalars: [0, 2, 0, 1, 0, 0]), bias: nil)
        let sn = SpectralNorm(layer, rng: &rng)
        for _ in 0..<30 { _ = sn.normalizedWeight(training: true) }
        #expect(Swift.abs(sn.sigma - 2) < 1e-4)
        let w = sn.normalizedWeight(training: false).scalars
        for (a, b) in zip(w, [0, 1, 0, 0.5, 0, 0] as [Float]) { #expect(Swift.abs(a - b) < 1e-4) }
    }

    @Test func gradientThroughSigmaMatchesFiniteDifferences() {
        var rng = RandomGenerator(seed: 33)
        let layer = Linear(3, 2, rng: &rng)
        let sn = SpectralNorm(layer, rng: &rng)
        _ = sn.normalizedWeight(training: true)
        let probe = randomLayerInput([2, 3], &rng)
        let objective = { (sn.normalizedWeight(training: false) * probe).sum() }
        let g = gradients(of: objective(), wrt: [("w", layer.weight)])[0].scalars
        let w0 = layer.weight.value
        for i in 0..<6 {
            var plus = w0.scalars, minus = w0.scalars
            plus[i] += 1e-2
            minus[i] -= 1e-2
            layer.weight.value = Tensor(shape: [2, 3], scalars: plus)
            let fp = Double(noGrad { objective().item })
            layer.weight.value = Tensor(shape: [2, 3], scalars: minus)
            let fm = Double(noGrad { objective().item })
            layer.weight.value = w0
            #expect(Swift.abs(Double(g[i]) - (fp - fm) / 2e-2) < 2e-3, "element \(i)")
        }
        expectGradientReachesEveryParameter(sn) { sn(randomLayerInput([4, 3], &rng), training: true) }
    }
}
