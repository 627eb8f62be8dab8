// IVRNN: golden parameter names and shapes of the tiny preset, the released model's parameter counts
// (from the official module, Tools/ivrnn/make_fixtures.py), the loss and sampler's contracts, and parity
// with the official code on a committed fixture (every output within relative L2 1e-4).

import Foundation
import Testing
import ZooCore
@testable import IVRNN

// MARK: - Fixture

/// A tensor in the IVRNN fixture: float32 little-endian base64, whole or every `stride`-th element.
struct IVRNNFixtureTensor: Decodable {
    var shape: [Int]
    var data: String
    var stride: Int?
    var norm: Double?

    var values: [Float] {
        let bytes = Data(base64Encoded: data) ?? Data()
        return bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
}

struct IVRNNFixture: Decodable {
    struct Counts: Decodable { var total: Int; var parts: [String: Int] }
    struct Entry: Decodable { var name: String; var shape: [Int] }
    struct Config: Decodable {
        var n_hid: Int
        var n_z: Int
        var channels: Int
        var size: Int
        var batch: Int
        var context: Int
        var steps: Int
        var latent_out_ch: [Int]
        var latent_resolution: [Int]
        var renderer_latent_idx: [Int?]
    }
    struct Case: Decodable {
        var model: String
        var config: Config
        var parameters: [Entry]
        var parameterCount: Int
        var outputs: [String: IVRNNFixtureTensor]
        var losses: [String: Double]
        var torchFloat32ErrorL2: [String: Double]
    }
    var commit: String
    var counts: [String: Counts]
    var cases: [Case]

    static func bundled() throws -> IVRNNFixture {
        guard let url = Bundle.module.url(forResource: "ivrnn_parity_small", withExtension: "json",
                                          subdirectory: "Fixtures") else { throw CocoaError(.fileNoSuchFile) }
        return try JSONDecoder().decode(IVRNNFixture.self, from: Data(contentsOf: url))
    }
}

extension IVRNNFixture.Case {
    /// The zoo config of this official model: 64x64, widths n_hid·(1, 2, 4, 8, 8, 8), its latent levels.
    var ivrnnConfig: IVRNNConfig {
        var c = IVRNNConfig.bair64Vrnn
        c.contract = ClipContract(channels: config.channels, height: config.size, width: config.size,
                                  contextFrames: config.context, predictedFrames: config.steps)
        c.hidden = config.n_hid
        c.latentBlocks = config.renderer_latent_idx.enumerated().compactMap { $0.element == nil ? nil : $0.offset }
        c.latentChannels = config.latent_out_ch
        c.hierarchicalPrior = false
        c.trainClipLength = config.context + config.steps
        return c
    }
}

/// u = ((k·2654435761 + p·40503 + 12345) mod 2³²)/2³²·2 − 1, the fixture script's hash.
func ivrnnHash(_ k: Int, _ p: Int) -> Double {
    let h = (UInt64(k) &* 2_654_435_761 &+ UInt64(p) &* 40503 &+ 12345) % (1 << 32)
    return Double(h) / 4_294_967_296.0 * 2 - 1
}

/// Fills every parameter by the script's formula over the sorted names.
func ivrnnFillFormulaWeights(_ model: IVRNN) {
    let params = model.namedParameters()
    let byName = Dictionary(uniqueKeysWithValues: params)
    for (p, name) in params.map(\.0).sorted().enumerated() {
        let parameter = byName[name]!
        let shape = parameter.shape
        let fan = shape.count >= 2 ? shape.dropFirst().reduce(1, *) : 1
        let values = (0..<parameter.count).map { k -> Float in
            let u = ivrnnHash(k, p)
            if shape.count >= 2 { return Float(u * (3 / Double(fan)).squareRoot()) }
            return Float(name.hasSuffix(".weight") ? 1 + 0.1 * u : 0.1 * u)
        }
        parameter.value = Tensor(shape: shape, scalars: values)
    }
}

/// The script's frames ((u + 1)/2, p = 1000) or noise (√3·u, p = 2000 + level).
func ivrnnFormulaTensor(_ shape: [Int], p: Int, frames: Bool) -> Tensor {
    let n = shape.reduce(1, *)
    return Tensor(shape: shape, scalars: (0..<n).map { k in
        let u = ivrnnHash(k, p)
        return Float(frames ? (u + 1) / 2 : 3.0.squareRoot() * u)
    })
}

/// ‖a − r‖₂/‖r‖₂ over the stored elements, and, for a subsampled tensor, the relative error of the
/// whole tensor's L2 norm.
func ivrnnRelativeL2(_ actual: Tensor, _ reference: IVRNNFixtureTensor) -> (l2: Double, norm: Double) {
    precondition(actual.shape == reference.shape, "shape \(actual.shape) vs reference \(reference.shape)")
    let all = actual.scalars
    let stride = reference.stride ?? 1
    let picked = Swift.stride(from: 0, to: all.count, by: stride).map { Double(all[$0]) }
    let ref = reference.values.map(Double.init)
    precondition(picked.count == ref.count, "stored \(ref.count) elements, picked \(picked.count)")
    var d2 = 0.0, r2 = 0.0
    for (a, r) in zip(picked, ref) { d2 += (a - r) * (a - r); r2 += r * r }
    var normError = 0.0
    if let norm = reference.norm {
        let mine = all.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        normError = Swift.abs(mine - norm) / norm
    }
    return ((d2 / Swift.max(r2, 1e-300)).squareRoot(), normError)
}

// MARK: - Tests

@Suite struct IVRNNTests {
    static func make(_ config: IVRNNConfig, seed: UInt64 = 1) -> IVRNN {
        var rng = RandomGenerator(seed: seed)
        return IVRNN(config: config, rng: &rng)
    }

    @Test func tinyParameterNamesAndShapesAreGolden() throws {
        let model = Self.make(.tiny)
        let shapes = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.0, $0.1.shape) })
        // Tiny: widths 4, 8, 8 at 16x16, 8x8, 1x1; latents of 4 channels at blocks 0 (1x1) and 1 (8x8);
        // 2 context frames; hierarchical prior.
        let golden: [String: [Int]] = [
            "emb_net.0.0.weight": [4, 1, 1, 1], "emb_net.0.0.bias": [4],
            "emb_net.0.1.conv_0.0.weight": [4, 4, 3, 3], "emb_net.0.1.conv_0.1.weight": [4],
            "emb_net.0.1.conv_1.0.weight": [4, 4, 3, 3], "emb_net.0.1.conv_1.1.bias": [4],
            "emb_net.1.1.conv_0.0.weight": [4, 4, 3, 3], "emb_net.1.1.conv_1.0.weight": [8, 4, 3, 3],
            "emb_net.1.1.conv_s.weight": [8, 4, 1, 1], "emb_net.1.2.conv_0.0.weight": [8, 8, 3, 3],
            "emb_net.2.2.conv_1.1.weight": [8],
            "render_nets.0.0.model.ih_gates.0.weight": [32, 12, 3, 3],
            "render_nets.0.0.model.hh_gates.0.weight": [32, 8, 3, 3],
            "render_nets.0.0.model.ih_gates.1.weight": [32], "render_nets.0.0.model.c_norm.bias": [8],
            "render_nets.0.1.main.0.weight": [8, 8, 8, 8], "render_nets.0.1.main.1.weight": [8],
            "render_nets.1.0.model.ih_gates.0.weight": [32, 12, 3, 3],
            "render_nets.1.1.main.0.weight": [8, 4, 4, 4],
            "render_nets.2.0.model.ih_gates.0.weight": [16, 4, 3, 3],
            "render_nets.2.1.main.0.weight": [4, 4, 3, 3], "render_nets.2.2.model.weight": [1, 4, 3, 3],
            "render_nets.2.2.model.bias": [1],
            "init_nets.0.0.main.0.weight": [16, 16, 1, 1], "init_nets.0.1.model.weight": [16, 16, 1, 1],
            "init_nets.0.2.model.weight": [16], "init_nets.2.1.model.weight": [8, 8, 1, 1],
            "prior_nets.0.0.model.weight": [8, 8, 1, 1], "prior_nets.0.1.model.weight": [8],
            "prior_nets.0.2.model.ih_gates.0.weight": [32, 8, 3, 3], "prior_nets.0.3.model.weight": [8, 8, 1, 1],
            "prior_nets.0.4.model.bias": [8], "prior_nets.1.3.model.weight": [8, 12, 1, 1],
            "posterior_nets.0.3.model.weight": [8, 8, 1, 1], "posterior_nets.1.3.model.weight": [8, 12, 1, 1],
            "prior_init_nets.1.0.main.0.weight": [16, 16, 1, 1], "posterior_init_nets.0.2.model.bias": [16],
        ]
        for (name, shape) in golden { #expect(shapes[name] == shape, "\(name): \(String(describing: shapes[name]))") }
        #expect(shapes.count == 210)
        #expect(model.parameterCount == 46_269)
        // The order of the official module: encoder, renderer, its init nets, prior, posterior, their init nets.
        let tops = model.namedParameters().map { String($0.0.split(separator: ".")[0]) }
        var seen: [String] = []
        for t in tops where seen.last != t { seen.append(t) }
        #expect(seen == ["emb_net", "render_nets", "init_nets", "prior_nets", "posterior_nets", "prior_init_nets",
                         "posterior_init_nets"])
    }

    @Test func releasedModelHasTheOfficialParameterCounts() throws {
        let fixture = try IVRNNFixture.bundled()
        let official = try #require(fixture.counts["vrnn"])
        #expect(official.total == 151_423_931)
        let model = Self.make(.bair64Vrnn)
        #expect(model.parameterCount == official.total)
        var parts: [String: Int] = [:]
        for (name, p) in model.namedParameters() { parts[String(name.split(separator: ".")[0]), default: 0] += p.count }
        #expect(parts == official.parts)
    }

    @Test func hierarchicalPresetsCountAsTheirWiring() throws {
        let fixture = try IVRNNFixture.bundled()
        let hier = try #require(fixture.counts["vrnn_hier"])
        // bair64 without the prior's coarser-z inputs is the released vrnn_hier.
        var released = IVRNNConfig.bair64
        released.hierarchicalPrior = false
        try released.validate()
        let model = Self.make(released)
        #expect(model.parameterCount == hier.total)
        // The hierarchical prior adds the coarser z channels to the prior heads' input convs:
        // level 1 (512 channels out·2) sees 10, level 2 (128·2) sees 10 + 512.
        let extra = 2 * 512 * 10 + 2 * 128 * (10 + 512)
        #expect(IVRNNTests.countParameters(.bair64) == hier.total + extra)
    }

    /// The parameter count without keeping the model (the weights are freed on return).
    static func countParameters(_ config: IVRNNConfig) -> Int { make(config).parameterCount }

    @Test func parityWithTheOfficialCode() throws {
        let fixture = try IVRNNFixture.bundled()
        #expect(fixture.cases.map(\.model) == ["vrnn", "vrnn_hier"])
        for fixtureCase in fixture.cases {
            let config = fixtureCase.ivrnnConfig
            try config.validate()
            let model = Self.make(config)
            let mine = model.namedParameters().map { IVRNNFixture.Entry(name: $0.0, shape: $0.1.shape) }
            #expect(mine.map(\.name) == fixtureCase.parameters.map(\.name), "\(fixtureCase.model): names differ")
            #expect(mine.map(\.shape) == fixtureCase.parameters.map(\.shape), "\(fixtureCase.model): shapes differ")
            #expect(model.parameterCount == fixtureCase.parameterCount)
            ivrnnFillFormulaWeights(model)

            let c = fixtureCase.config
            let frames = ivrnnFormulaTensor([c.batch, c.context + c.steps, c.channels, c.size, c.size], p: 1000,
                                            frames: true)
            let noise = zip(c.latent_out_ch, c.latent_resolution).enumerated().map { l, or in
                ivrnnFormulaTensor([c.batch, c.steps, or.0, or.1, or.1], p: 2000 + l, frames: false)
            }
            let (pass, emb, losses, analytic) = noGrad { () -> (IVRNNPass, [Tensor], (Tensor, Tensor), Tensor) in
                let emb = model.encode(frames)
                let pass = model.pass(frames, noise: noise)
                let targets = frames.sliced(axis: 1, c.context..<(c.context + c.steps))
                let losses = model.losses(pass, targets: targets)
                model.config.kl = "analytic"
                let analytic = model.losses(pass, targets: targets).kl
                model.config.kl = "sample"
                return (pass, emb, losses, analytic)
            }
            var outputs: [String: Tensor] = ["emb_top": emb[5], "emb_8x8": emb[3], "preds": pass.predictions]
            for l in 0..<pass.priors.count {
                outputs["posterior_mean_\(l)"] = pass.posteriors[l].mean
                outputs["posterior_logvar_\(l)"] = pass.posteriors[l].logvar
                outputs["prior_mean_\(l)"] = pass.priors[l].mean
                outputs["prior_logvar_\(l)"] = pass.priors[l].logvar
            }
            #expect(Set(outputs.keys) == Set(fixtureCase.outputs.keys))
            for (key, reference) in fixtureCase.outputs {
                let actual = try #require(outputs[key])
                let error = ivrnnRelativeL2(actual, reference)
                #expect(error.l2 <= 1e-4, "\(fixtureCase.model) \(key): relative L2 \(error.l2)")
                #expect(error.norm <= 1e-4, "\(fixtureCase.model) \(key): norm error \(error.norm)")
            }
            let scalars: [String: Float] = ["loss_rec": losses.0.item, "loss_kl": losses.1.item,
                                            "loss_kl_analytic": analytic.item, "loss": (losses.0 + losses.1).item]
            for (key, reference) in fixtureCase.losses {
                let actual = Double(try #require(scalars[key]))
                #expect(Swift.abs(actual - reference) <= 1e-4 * Swift.abs(reference),
                        "\(fixtureCase.model) \(key): \(actual) vs official \(reference)")
            }
        }
    }

    @Test func lossIsSummedOverTimeAndPixelsAndAveragedOverTheBatch() throws {
        let model = Self.make(.tiny)
        let c = model.config.contract
        let frames = ivrnnFormulaTensor([2, 5, 1, c.height, c.width], p: 7, frames: true)
        var rng = RandomGenerator(seed: 3)
        let noise = model.drawNoise(batch: 2, steps: 3, rng: &rng)
        let pass = noGrad { model.pass(frames, noise: noise) }
        let targets = frames.sliced(axis: 1, 2..<5)
        let (rec, kl) = noGrad { model.losses(pass, targets: targets) }
        let diff = zip(pass.predictions.scalars, targets.scalars).map { Double(Swift.abs($0 - $1)) }
        #expect(Swift.abs(Double(rec.item) - diff.reduce(0, +) / 2) <= 1e-3 * diff.reduce(0, +))
        // The analytic KL is ≥ 0 and the single-sample estimate is an unbiased estimate of it: with the
        // posterior's own noise it differs, but both are finite.
        model.config.kl = "analytic"
        let analytic = noGrad { model.losses(pass, targets: targets).kl }
        #expect(analytic.item >= 0)
        #expect(kl.item.isFinite)
        // β warm-up: linear from 0, as the official trainer (counted from step 1).
        var warm = IVRNNConfig.tiny
        warm.betaWarmupSteps = 10
        #expect(warm.beta(atStep: 0) == 0.1)
        #expect(warm.beta(atStep: 4) == 0.5)
        #expect(warm.beta(atStep: 9) == 1)
        #expect(warm.beta(atStep: 100) == 1)
    }

    @Test func samplerKeepsStateAndMeanLatentIsDeterministic() throws {
        let model = Self.make(.tiny)
        let c = model.config.contract
        let context = ivrnnFormulaTensor([1, 2, 1, c.height, c.width], p: 9, frames: true) * 2 - 1
        var rng = RandomGenerator(seed: 4)
        let samples = noGrad { model.predict(context: context, frameCount: 4, sampleCount: 3, rng: &rng) }
        #expect(samples.shape == [1, 3, 4, 1, c.height, c.width])
        let first = samples.selecting(axis: 1, 0).scalars, second = samples.selecting(axis: 1, 1).scalars
        #expect(first != second, "independent samples must differ")
        // The step-wise sampler equals the teacher-forced pass fed its own frames and prior z's: frame 0 from
        // the prior given the context only. With the mean latent, two runs are equal and isStochastic is false.
        try model.setOption("latent", to: "mean")
        #expect(!model.isStochastic)
        var r1 = RandomGenerator(seed: 1), r2 = RandomGenerator(seed: 2)
        let a = noGrad { model.predict(context: context, frameCount: 3, sampleCount: 1, rng: &r1) }
        let b = noGrad { model.predict(context: context, frameCount: 3, sampleCount: 1, rng: &r2) }
        #expect(a.scalars == b.scalars)
        // A longer context uses its last C frames.
        let longer = concat([context.sliced(axis: 1, 0..<1), context], axis: 1)
        var r3 = RandomGenerator(seed: 1)
        let c3 = noGrad { model.predict(context: longer, frameCount: 3, sampleCount: 1, rng: &r3) }
        #expect(c3.scalars == a.scalars)
        #expect(throws: PredictorError.self) { try model.setOption("latent", to: "median") }
        #expect(throws: PredictorError.self) { try model.setOption("sampler", to: "mean") }
    }

    @Test func samplerMatchesTheFullPassOnItsOwnFrames() throws {
        // The step-wise sampler with the mean latent, against the official order of work: encode the context
        // plus the sampled frames, run the prior over the whole sequence (coarser levels conditioned on the
        // coarser prior means) and render with those means. Both see the same inputs, so they must agree.
        var config = IVRNNConfig.tiny
        config.meanLatent = true
        let model = Self.make(config)
        let c = config.contract
        let context = ivrnnFormulaTensor([2, 2, 1, c.height, c.width], p: 11, frames: true)
        var rng = RandomGenerator(seed: 0)
        let sampled = noGrad { model.sample(context: context, frameCount: 3, rng: &rng) }
        let rendered = noGrad { () -> Tensor in
            let emb = model.encode(concat([context, sampled], axis: 1))
            return sigmoid(model.render(emb, latents: model.prior(emb, conditionedOn: nil).map(\.mean)))
        }
        let error = zip(rendered.scalars, sampled.scalars).map { Swift.abs($0 - $1) }.max() ?? 1
        #expect(rendered.shape == sampled.shape)
        #expect(error < 1e-5, "step-wise sampler vs full pass on its own frames: max error \(error)")
    }

    @Test func badConfigsAreNamed() throws {
        var c = IVRNNConfig.tiny
        c.reconstruction = "huber"
        #expect(throws: PredictorError.self) { try c.validate() }
        c = .tiny
        c.latentBlocks = [1, 0]
        #expect(throws: PredictorError.self) { try c.validate() }
        c = .tiny
        c.lstmNormGroups = 3
        do { try c.validate(); Issue.record("lstmNormGroups 3 must be rejected") } catch {
            #expect("\(error)".contains("lstmNormGroups"))
        }
        c = .tiny
        c.trainClipLength = 2
        do { try c.validate(); Issue.record("trainClipLength 2 must be rejected") } catch {
            #expect("\(error)".contains("trainClipLength"))
        }
        for (_, preset) in IVRNNConfig.presets { try preset.validate() }
        #expect(throws: PredictorError.self) { var r = RandomGenerator(seed: 0); _ = try IVRNN.entry.make("bair", &r) }
    }
}
