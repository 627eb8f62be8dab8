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
        // weight_v set to the normalised det vectors, two training forwards, then one in eval.
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
        let expected: [Float] = [
            0.10450108, 0.17211014, 0.10386391, 0.22081545, 0.17417139, 0.10129581, 0.10140949, 0.074871339,
            0.098292165, -0.19595055, -0.12990859, -0.1983027, -0.077573724, -0.1242598, -0.19657472,
            -0.20145312, -0.22904038, -0.20392011,
        ]
        #expect(y.shape == [1, 2, 3, 3])
        for (a, b) in zip(y.scalars, expected) { #expect(Swift.abs(a - b) < 2e-6) }
        for (a, b) in zip(sn.u.value.scalars, [0.7071067690849304, 0.7071067690849304] as [Float]) { #expect(Swift.abs(a - b) < 1e-6) }
        #expect(Swift.abs(sn.v.value.scalars[0] - 0.082733415) < 1e-6)
        #expect(Swift.abs(sn.v.value.scalars[26] - -0.0825027) < 1e-6)
        // Evaluation reuses u and v: same output, buffers unchanged.
        let u = sn.u.value.scalars
        #expect(sn(x, training: false).scalars == y.scalars)
        #expect(sn.u.value.scalars == u)
        // torch.linalg.svdvals: the largest singular value is 2.5942204; the estimate after two steps 2.5942202.
        #expect(Swift.abs(sn.sigma - 2.5942204) < 1e-5)
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
