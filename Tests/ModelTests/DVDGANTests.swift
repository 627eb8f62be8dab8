// DVD-GAN against the unofficial reference (github.com/Harrypotterrrr/DVD-GAN): parameter counts of the
// reference architecture, generator and both discriminators on the fixture of
// Tools/gans/dvdgan_fixtures.py, the hinge loss; plus what our frame-prediction adaptation promises
// (context conditioning, batch-major conditions, independent samples).
import Foundation
import Testing
import ZooCore
@testable import GANs

struct DVDGANFixture: Decodable {
    struct Config: Decodable { var latentSize: Int; var ch: Int; var frames: Int; var size: Int }
    /// common.seeded_input, or common.varied_input when `groups` and `scale` are present.
    struct Input: Decodable { var shape: [Int]; var seed: Int; var groups: Int?; var scale: Double? }
    var commit: String
    var parameterCounts: [String: Int]
    var config: Config
    var parameters: [String: [GANFixtureEntry]]
    var inputs: [String: Input]
    var outputs: [String: GANFixtureTensor]
    var hingeDiscriminatorLoss: [String: Double]
    /// PyTorch's own float32 error against the float64 outputs (relative L2), by output.
    var torchFloat32Error: [String: Double]

    static func load() throws -> DVDGANFixture { try loadGANFixture(DVDGANFixture.self, "dvdgan_parity") }

    func input(_ name: String) -> Tensor {
        let i = inputs[name]!
        if let groups = i.groups, let scale = i.scale {
            return fixtureVariedInput(shape: i.shape, seed: i.seed, groups: groups, scale: scale)
        }
        return fixtureInput(shape: i.shape, seed: i.seed)
    }

    /// The reference's layout at the fixture's width: stages [8, 8, 8, 4]·ch, output 2·ch, discriminator
    /// widths [2, 4, 8, 16, 16]·ch.
    var modelConfig: DVDGANConfig {
        var c = DVDGANConfig.reference64
        let ch = config.ch
        c.contract = ClipContract(channels: 3, height: config.size, width: config.size, contextFrames: 1,
                                  predictedFrames: config.frames)
        c.latentSize = config.latentSize
        c.stageChannels = [8 * ch, 8 * ch, 8 * ch, 4 * ch]
        c.outputChannels = 2 * ch
        c.spatialChannels = [2, 4, 8, 16, 16].map { $0 * ch }
        c.temporalChannels = [2, 4, 8, 16, 16].map { $0 * ch }
        c.spatialFrames = 1
        return c
    }
}

@Suite struct DVDGANTests {
    /// The script's counts of the reference's Generator, SpatialDiscriminator and TemporalDiscriminator at
    /// 64x64, ch 32, z 120, one class, pinned; our generator adds the context encoder on top.
    @Test func referenceParameterCountsMatch() throws {
        let f = try DVDGANFixture.load()
        #expect(f.parameterCounts == ["G": 136_730_235, "D_s": 9_862_498, "D_t": 10_382_050])
        var rng = RandomGenerator(seed: 1)
        let model = DVDGAN(config: .reference64, orthogonal: false, rng: &rng)
        let encoder = model.generator.contextEncoder.parameterCount
        #expect(model.generator.parameterCount - encoder == 136_730_235)
        #expect(model.spatialDiscriminator.parameterCount == 9_862_498)
        #expect(model.temporalDiscriminator.parameterCount == 10_382_050)
        // The encoder (ours): stem 3x3 (4·3 → 64), four 3x3 64 → 64, 1x1 projections to 256, 256, 256, 128.
        let expected = (12 * 9 + 1) * 64 + 4 * (64 * 9 + 1) * 64 + 3 * (64 + 1) * 256 + (64 + 1) * 128
        #expect(encoder == expected)
    }

    @Test func generatorMatchesTheReference() throws {
        let f = try DVDGANFixture.load()
        var rng = RandomGenerator(seed: 2)
        let model = DVDGAN(config: f.modelConfig, rng: &rng)
        let problems = fillFromFixture(model.generator, f.parameters["G"]!)
        #expect(problems.isEmpty, "names or shapes unlike the reference's: \(problems)")
        let out = noGrad {
            model.generator(z: f.input("z"), frameCount: f.config.frames, features: nil, last: nil, training: true)
        }
        let error = relativeL2(out, f.outputs["generator"]!)
        #expect(error < 1e-4, "generator: relative L2 \(error) (PyTorch float32: \(f.torchFloat32Error["generator"] ?? -1))")
    }

    @Test func discriminatorsMatchTheReference() throws {
        let f = try DVDGANFixture.load()
        var rng = RandomGenerator(seed: 3)
        let model = DVDGAN(config: f.modelConfig, rng: &rng)
        var scores: [String: Tensor] = [:]
        for name in ["spatialReal", "spatialFake"] {
            #expect(fillFromFixture(model.spatialDiscriminator, f.parameters["D_s"]!).isEmpty)
            let x = f.input(name)                                            // [B, T, C, H, W]
            let s = x.shape
            scores[name] = noGrad { model.spatialDiscriminator(x.reshaped([s[0] * s[1], s[2], s[3], s[4]]), training: true) }
        }
        for name in ["temporalReal", "temporalFake"] {
            #expect(fillFromFixture(model.temporalDiscriminator, f.parameters["D_t"]!).isEmpty)
            scores[name] = noGrad { model.temporalDiscriminator(f.input(name), training: true) }
        }
        // The inputs differ in level and contrast (common.varied_input), so the scores vary between them by
        // as much as their mean: both their values and their differences are held to 1e-4.
        for (name, value) in scores {
            let error = relativeL2(value, f.outputs[name]!)
            #expect(error < 1e-4, "\(name): relative L2 \(error) (PyTorch float32: \(f.torchFloat32Error[name] ?? -1))")
        }
        for kind in ["spatial", "temporal"] {
            let both = concat([scores[kind + "Real"]!, scores[kind + "Fake"]!], axis: 0)
            let reference = GANFixtureTensor(shape: both.shape,
                                             values: f.outputs[kind + "Real"]!.values + f.outputs[kind + "Fake"]!.values)
            let values = reference.values
            let mean = values.reduce(0, +) / Double(values.count)
            let spread: Double = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +).squareRoot()
            let size: Double = values.map { $0 * $0 }.reduce(0, +).squareRoot()
            #expect(spread > 0.1 * size, "\(kind): the fixture's scores hardly vary (\(spread) about a norm of \(size))")
            let centered = centeredRelativeL2(both, reference)
            #expect(centered < 1e-4, "\(kind): deviations from the mean, relative L2 \(centered)")
        }
        // The reference's hinge loss (trainer.calc_loss) on these scores.
        let hinge = AdversarialLoss.hinge
        let ds = hinge.discriminatorLoss(real: scores["spatialReal"]!, fake: scores["spatialFake"]!).item
        let dt = hinge.discriminatorLoss(real: scores["temporalReal"]!, fake: scores["temporalFake"]!).item
        #expect(abs(Double(ds) - f.hingeDiscriminatorLoss["spatial"]!) < 1e-4 * f.hingeDiscriminatorLoss["spatial"]!)
        #expect(abs(Double(dt) - f.hingeDiscriminatorLoss["temporal"]!) < 1e-4 * f.hingeDiscriminatorLoss["temporal"]!)
    }

    /// In evaluation mode (running statistics) every sample is computed on its own: a clip's prediction in
    /// a batch equals its prediction alone, so conditions follow their samples (the reference's time-major
    /// repeat would mix them).
    @Test func samplesAreIndependentOfTheirBatch() {
        var rng = RandomGenerator(seed: 4)
        let model = DVDGAN(config: .tiny, rng: &rng)
        let c = DVDGANConfig.tiny.contract
        var data = RandomGenerator(seed: 5)
        let context = Init.uniform([2, c.contextFrames, c.channels, c.height, c.width], low: -1, high: 1, rng: &data)
        let z = Init.normal([2, DVDGANConfig.tiny.latentSize], rng: &data)
        let both = noGrad { model.generate(context: context, z: z, frameCount: 3, training: false) }
        let one = noGrad {
            model.generate(context: context.sliced(axis: 0, 1..<2), z: z.sliced(axis: 0, 1..<2), frameCount: 3, training: false)
        }
        let diff = zip(both.sliced(axis: 0, 1..<2).scalars, one.scalars).map { abs($0 - $1) }.max()!
        #expect(diff < 1e-5)
    }

    /// Different z give different futures, and the context changes the prediction.
    @Test func predictionsDependOnNoiseAndContext() {
        var rng = RandomGenerator(seed: 6)
        let model = DVDGAN(config: .tiny, rng: &rng)
        let c = DVDGANConfig.tiny.contract
        var data = RandomGenerator(seed: 7)
        let context = Init.uniform([1, c.contextFrames, c.channels, c.height, c.width], low: -1, high: 1, rng: &data)
        var r = RandomGenerator(seed: 8)
        let samples = model.predict(context: context, frameCount: 3, sampleCount: 2, rng: &r)
        #expect(samples.shape == [1, 2, 3, c.channels, c.height, c.width])
        #expect(samples.selecting(axis: 1, 0).scalars != samples.selecting(axis: 1, 1).scalars)
        var r2 = RandomGenerator(seed: 8)
        let other = model.predict(context: context * 0.5, frameCount: 3, sampleCount: 2, rng: &r2)
        #expect(other.scalars != samples.scalars)
    }

    @Test func sampledFramesAreDistinctAndSorted() {
        var rng = RandomGenerator(seed: 9)
        for _ in 0..<50 {
            let idx = DVDGAN.sampleFrames(4, of: 16, rng: &rng)
            #expect(idx.count == 4 && Set(idx).count == 4 && idx == idx.sorted() && idx.allSatisfy { (0..<16).contains($0) })
        }
    }

    /// Unknown preset, a stored config that cannot work, and wrong checkpoints give named errors.
    @Test func badInputIsNamed() throws {
        try checkGANBadInput("dvd-gan", foreign: "futuregan", larger: "cpu")
    }

    @Test func invalidConfigsNameTheField() {
        var c = DVDGANConfig.cpu
        c.gruWidthFactors = [1, 2]
        do { try c.validate(); Issue.record("gruWidthFactors ending in 2 passed") } catch { #expect("\(error)".contains("gruWidthFactors")) }
        c = .cpu
        c.contract.height = 64
        do { try c.validate(); Issue.record("64x32 passed") } catch { #expect("\(error)".contains("seedSize")) }
        c = .cpu
        c.spatialFrames = 17
        do { try c.validate(); Issue.record("17 of 16 frames passed") } catch { #expect("\(error)".contains("spatialFrames")) }
        for (_, preset) in DVDGANConfig.presets { #expect(throws: Never.self) { try preset.validate() } }
    }
}

@Suite struct AdversarialLossTests {
    @Test func lossesOnKnownScores() {
        let real = Tensor([2, 0.5]), fake = Tensor([-2, 0.5])
        // Least squares: D ((2−1)² + (0.5−1)²)/2 + ((−2)² + 0.5²)/2; averaged over the two tensors in the
        // several-batch form.
        let ls = AdversarialLoss.leastSquares
        #expect(abs(ls.discriminatorLoss(real: real, fake: fake).item - (0.625 + 2.125)) < 1e-6)
        #expect(abs(ls.averageDiscriminatorLoss(real: [real], fake: [fake, real]).item - (0.625 + 2.125 + 2.125) / 3) < 1e-6)
        #expect(abs(ls.generatorLoss(fake: fake).item - (9 + 0.25) / 2) < 1e-6)
        // Hinge: relu(1 − real) = [0, 0.5], relu(1 + fake) = [0, 1.5]; the sum of the two means.
        let hinge = AdversarialLoss.hinge
        #expect(abs(hinge.discriminatorLoss(real: real, fake: fake).item - (0.25 + 0.75)) < 1e-6)
        #expect(abs(hinge.generatorLoss(fake: fake).item - 0.75) < 1e-6)
        // Non-saturating: softplus(−x) for real, softplus(x) for fake.
        let ns = AdversarialLoss.nonSaturating
        let sp = { (x: Double) in Foundation.log(1 + Foundation.exp(x)) }
        let expectedD = (sp(-2) + sp(-0.5)) / 2 + (sp(-2) + sp(0.5)) / 2
        #expect(abs(Double(ns.discriminatorLoss(real: real, fake: fake).item) - expectedD) < 1e-6)
        #expect(abs(Double(ns.generatorLoss(fake: fake).item) - (sp(2) + sp(-0.5)) / 2) < 1e-6)
    }

    @Test func instanceNormNormalisesEveryMap() {
        var rng = RandomGenerator(seed: 1)
        let x = Init.normal([2, 3, 5, 5], mean: 3, std: 2, rng: &rng)
        let y = instanceNorm(x)
        for n in 0..<2 {
            for c in 0..<3 {
                let v = y.selecting(axis: 0, n).selecting(axis: 0, c).scalars
                let mean = v.reduce(0, +) / 25
                let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 25
                #expect(abs(mean) < 1e-5 && abs(variance - 1) < 1e-3)
            }
        }
    }

    /// Conditional BN starts as plain batch norm whatever the condition, and the condition then scales and
    /// shifts each sample.
    @Test func conditionalBatchNormStartsAsTheIdentityAffine() {
        var rng = RandomGenerator(seed: 2)
        let cbn = ConditionalBatchNorm(channels: 3, conditionSize: 4, rng: &rng)
        let x = Init.normal([4, 3, 2, 2], rng: &rng)
        let zero = cbn(x, condition: Tensor.zeros([4, 4]), training: true)
        let plain = batchNorm(x, runningMean: Tensor.zeros([3]), runningVariance: Tensor.ones([3]), training: true,
                              momentum: 0.1, eps: 1e-5).output
        #expect(zip(zero.scalars, plain.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
        cbn.embed.bias!.value = Tensor([2, 2, 2, 1, 1, 1])
        let shifted = cbn(x, condition: Tensor.zeros([4, 4]), training: true)
        #expect(zip(shifted.scalars, plain.scalars).allSatisfy { abs($0 - (2 * $1 + 1)) < 1e-5 })
    }
}
