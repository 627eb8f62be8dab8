// Results that do not depend on the thread count: a few training steps on one thread and on two give
// bit-identical parameters and losses. Every kernel that splits work cuts it by sizes fixed by the
// problem, never by the thread count (the conv items and the weight gradient's partial sums in
// ConvKernels.swift, the sgemm row blocks in BLAS.swift, row-wise norms and reductions). The models run
// zoo's own im2col path: oneDNN runs its own threads, fixed when it is loaded, and its weight
// gradients do depend on their number (docs/architecture.md).
import Foundation
import Testing
@testable import GANs
@testable import RVD
@testable import SVGLP
@testable import ZooCore
@testable import ZooTensor

/// Trains a fresh model `steps` steps on `threads` kernel threads (im2col convolutions) and returns its
/// parameters and the losses of every step.
private func train(_ make: (inout RandomGenerator) -> any VideoPredictor, threads: Int, steps: Int, batchSize: Int)
    throws -> (parameters: [(String, Tensor)], losses: [[Float]])
{
    try Parallel.$threadOverride.withValue(threads) {
        try ConvBackend.$forced.withValue(.im2col) {
            var rng = RandomGenerator(seed: 4)
            let model = make(&rng)
            let optimizers = model.makeOptimizers(learningRate: model.trainingDefaults.learningRate)
            var losses: [[Float]] = []
            for step in 0..<steps {
                let batch = try testBatch(model.contract, length: model.trainingDefaults.clipLength,
                                          batchSize: batchSize, seed: UInt64(step))
                let l = model.trainStep(batch, optimizers: optimizers, step: step, rng: &rng)
                losses.append(l.values)
            }
            return (model.namedParameters().map { ($0.0, $0.1.value) }, losses)
        }
    }
}

/// Models at sizes where the convolutions, norms and products are big enough to be split over threads
/// (the tiny presets are below every split threshold, so they would show nothing).
private let splittingModels: [(String, (inout RandomGenerator) -> any VideoPredictor)] = [
    ("retrogan", { rng in
        var c = RetroGANConfig.cpu
        c.contract = ClipContract(channels: 1, height: 32, width: 32, contextFrames: 2, predictedFrames: 2)
        c.inputFrames = 2
        c.stemChannels = 16
        c.downChannels = [16, 32]
        c.residualBlocks = 1
        c.upChannels = [16, 16]
        c.discriminatorChannels = [16, 32, 32]
        return RetroGAN(config: c, rng: &rng)
    }),
    ("rvd", { rng in
        var c = RVDConfig.tiny
        c.contract = ClipContract(channels: 1, height: 32, width: 32, contextFrames: 2, predictedFrames: 3)
        c.dim = 16
        return RVD(config: c, rng: &rng)
    }),
    ("svg-lp", { rng in
        var c = SVGLPConfig.tiny
        c.contract = ClipContract(channels: 1, height: 32, width: 32, contextFrames: 2, predictedFrames: 3)
        c.width = 16
        return SVGLP(config: c, rng: &rng)
    }),
]

@Suite struct ThreadCountTests {
    /// About 5 s per model in a debug build: the models must be big enough for their kernels to split.
    /// Two threads against one here; the kernel test below also runs three and four.
    @Test(arguments: splittingModels.map(\.0))
    func trainingGivesTheSameBitsOnOneAndTwoThreads(name: String) throws {
        let make = try #require(splittingModels.first { $0.0 == name }?.1)
        let one = try train(make, threads: 1, steps: 2, batchSize: 4)
        for threads in [2] {
            let other = try train(make, threads: threads, steps: 2, batchSize: 4)
            #expect(one.losses == other.losses, "\(name): losses on 1 and \(threads) threads: \(one.losses) vs \(other.losses)")
            #expect(one.parameters.map(\.0) == other.parameters.map(\.0))
            let differing = zip(one.parameters, other.parameters).filter { !identical($0.1, $1.1) }.map(\.0.0)
            #expect(differing.isEmpty, "\(name): parameters that differ between 1 and \(threads) threads: \(differing)")
        }
    }

    /// The convolution kernels on their own, at a size that splits: forward, input and weight gradients of
    /// 1, 2, 3 and 4 threads are bit-identical (the weight gradient is a sum over the batch and positions,
    /// the one place partial sums are combined).
    @Test func convolutionGradientsDoNotDependOnTheThreadCount() throws {
        let g = ConvGeometry(batch: 3, inChannels: 24, outChannels: 20, input: [1, 20, 20], output: [1, 20, 20],
                             kernel: [1, 3, 3], stride: [1, 1, 1], dilation: [1, 1, 1], padBefore: [0, 1, 1])
        #expect(g.macs >= Kernels.convParallelMinimumMACs)
        var rng = RandomGenerator(seed: 2)
        let x = (0..<(3 * 24 * 400)).map { _ in rng.uniform(-1, 1) }
        let w = (0..<(20 * 24 * 9)).map { _ in rng.uniform(-1, 1) }
        let dy = (0..<(3 * 20 * 400)).map { _ in rng.uniform(-1, 1) }
        func run(_ threads: Int) -> [[Float]] {
            Parallel.$threadOverride.withValue(threads) {
                ConvBackend.$forced.withValue(.im2col) {
                    var y = [Float](repeating: 0, count: dy.count), dx = [Float](repeating: 0, count: x.count)
                    var dw = [Float](repeating: 0, count: w.count)
                    Kernels.convolution(x, w, bias: nil, g, into: &y)
                    Kernels.convolutionInputGrad(dy, w, bias: nil, g, into: &dx)
                    Kernels.convolutionWeightGrad(x, dy, g, into: &dw)
                    return [y, dx, dw]
                }
            }
        }
        let one = run(1)
        for threads in 2...4 {
            let other = run(threads)
            #expect(one[0] == other[0], "forward differs on \(threads) threads")
            #expect(one[1] == other[1], "input gradient differs on \(threads) threads")
            #expect(one[2] == other[2], "weight gradient differs on \(threads) threads")
        }
    }
}
