// RVD and VD through their production code (`RVD.loss(_:rng:)` with its parameter gradients, and
// `RVD.sample(context:frameCount:rng:)` with the DDPM sampler and the x̂₀ clamp of the config) against the
// reference's GaussianDiffusion.forward and .sample (github.com/buggyyang/RVD), given the same random draws:
// Tools/rvd/make_production_fixtures.py reimplements zoo's generator and hands the reference the timesteps and
// noise zoo draws for the seed (Fixtures/rvd_production.json, reduced widths, formula weights).

import Foundation
import Testing
import ZooCore
@testable import RVD

struct RVDProductionFixture: Decodable {
    struct Config: Decodable {
        var dim: Int
        var dim_mults: [Int]
        var transform_dim_mults: [Int]
        var channels: Int
        var size: Int
        var steps: Int
        var sample_frames: Int
        var loss_seed: UInt64
        var sample_seed: UInt64
    }
    struct Gradient: Decodable { var name: String; var norm: Double; var dot: Double }
    struct Case: Decodable, CustomTestStringConvertible {
        var model: String
        var residual: Bool
        var parameterCount: Int
        var lossSteps: [Int]
        var loss: Double
        var gradients: [Gradient]
        var fullGradients: [String: ParityTensor]
        var sample: ParityTensor
        var torchFloat32Error: [String: Double]
        var testDescription: String { model }
    }
    var commit: String
    var config: Config
    var clips: ParityTensor
    var context: ParityTensor
    var cases: [Case]

    func rvdConfig(residual: Bool) -> RVDConfig {
        var c = RVDConfig.tiny
        c.contract = ClipContract(channels: config.channels, height: config.size, width: config.size,
                                  contextFrames: 2, predictedFrames: 1)
        c.dim = config.dim
        c.dimMults = config.dim_mults
        c.transformDimMults = config.transform_dim_mults
        c.diffusionSteps = config.steps
        c.sampler = .ddpm
        c.clip = 2            // the reference's clip_noise: x̂₀ clamped to [−2, 2]
        c.burnInFrames = 2    // the reference's loss starts at frame 2
        c.residual = residual
        return c
    }
}

private let production: RVDProductionFixture = {
    do {
        guard let url = Bundle.module.url(forResource: "rvd_production", withExtension: "json", subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try JSONDecoder().decode(RVDProductionFixture.self, from: Data(contentsOf: url))
    } catch {
        fatalError("cannot read Fixtures/rvd_production.json: \(error)")
    }
}()

/// The projection vector of the parameter at sorted index `p` (the script's `projection_values`).
private func projection(count: Int, p: Int) -> [Double] {
    (0..<count).map { k in
        let hash = (UInt64(k) &* 2_654_435_761 &+ UInt64(p + 1000) &* 40503 &+ 12345) % (1 << 32)
        return Double(hash) / 4_294_967_296.0 * 2 - 1
    }
}

private func model(_ c: RVDProductionFixture.Case) -> RVD {
    var rng = RandomGenerator(seed: 0)
    let model = RVD(config: production.rvdConfig(residual: c.residual), rng: &rng)
    fillFormulaWeights(model)
    return model
}

@Suite struct RVDProduction {
    @Test func bothModelsArePresent() {
        #expect(production.cases.map(\.model) == ["rvd", "vd"])
    }

    /// The loss and every parameter's gradient (norm and projection), with the timesteps and noise zoo draws.
    @Test(arguments: production.cases)
    func trainingLossAndGradientsMatchTheReference(c: RVDProductionFixture.Case) throws {
        let m = model(c)
        #expect(m.parameterCount == c.parameterCount)
        // The draws the script replayed: the B timesteps come first.
        var probe = RandomGenerator(seed: production.config.loss_seed)
        #expect((0..<c.lossSteps.count).map { _ in probe.int(below: production.config.steps) } == c.lossSteps)

        var rng = RandomGenerator(seed: production.config.loss_seed)
        let parameters = m.namedParameters().sorted { $0.0 < $1.0 }
        let loss = m.loss(production.clips.tensor, rng: &rng)
        let lossError = Swift.abs(Double(loss.item) - c.loss) / c.loss
        #expect(lossError < 1e-5, "loss \(loss.item) vs \(c.loss)")
        let grads = gradients(of: loss, wrt: parameters)
        #expect(parameters.map(\.0) == c.gradients.map(\.name))
        let largest = c.gradients.map(\.norm).max() ?? 0
        var worst = (0.0, "")
        for (p, ((name, _), (g, reference))) in zip(parameters, zip(grads, c.gradients)).enumerated() {
            let values = g.scalars.map(Double.init)
            let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let dot = zip(values, projection(count: values.count, p: p)).reduce(0) { $0 + $1.0 * $1.1 }
            let scale = Swift.max(reference.norm, 1e-3 * largest)
            let error = Swift.max(Swift.abs(norm - reference.norm), Swift.abs(dot - reference.dot)) / scale
            if error > worst.0 { worst = (error, name) }
        }
        print("\(c.model) production loss: error \(lossError); worst gradient error \(worst.0) (\(worst.1)); "
              + "PyTorch float32 \(c.torchFloat32Error)")
        #expect(worst.0 < Swift.max(1e-4, 5 * (c.torchFloat32Error["gradient"] ?? 0)), "worst gradient: \(worst.1)")
        for (name, reference) in c.fullGradients {
            let index = try #require(parameters.firstIndex { $0.0 == name })
            let error = parityError(grads[index], reference)
            #expect(error.l2 < 1e-4, "\(name): relative L2 \(error.l2)")
        }
    }

    /// `sample` (DDPM over all steps, x̂₀ clamped to [−2, 2], frames fed back clamped) from the context clips.
    @Test(arguments: production.cases)
    func samplingMatchesTheReferenceLoop(c: RVDProductionFixture.Case) {
        let m = model(c)
        var rng = RandomGenerator(seed: production.config.sample_seed)
        let frames = m.sample(context: production.context.tensor, frameCount: production.config.sample_frames, rng: &rng)
        let error = parityError(frames, c.sample)
        print("\(c.model) production sample: relative L2 \(error.l2), elementwise \(error.elementwise); "
              + "PyTorch float32 \(c.torchFloat32Error)")
        #expect(error.l2 < 1e-4)
        let worst = zip(frames.scalars, c.sample.values).map { Swift.abs(Double($0) - $1) }.max() ?? 0
        #expect(worst < Swift.max(1e-4, 5 * (c.torchFloat32Error["sampleMax"] ?? 0)), "largest difference \(worst)")
    }
}
