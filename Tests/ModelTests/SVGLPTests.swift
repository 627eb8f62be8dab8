// SVG-LP against the official modules (github.com/edenton/svg): parameter names, shapes and per-part
// counts of the official-architecture presets, and the training loss, its intermediate tensors, the
// sampling recurrence and eval-mode BatchNorm on fixed weights and inputs
// (Tests/ModelTests/Fixtures/svglp_parity.json, written by Tools/svglp/make_fixtures.py); plus the
// tiny preset's golden names, config errors and the model's own rules.

import Foundation
import Testing
import ZooCore
@testable import SVGLP

/// Tools/svglp/make_fixtures.py's output.
struct SVGLPFixture: Decodable {
    struct Entry: Decodable { var name: String; var shape: [Int] }
    struct Counts: Decodable { var parts: [String: Int]; var total: Int; var stateDict: [Entry] }
    struct Output: Decodable { var name: String; var shape: [Int]; var values: [Double] }
    struct CaseConfig: Decodable {
        var backbone: String
        var size: Int, nc: Int, g: Int, z: Int, rnn: Int
        var pred_layers: Int, post_layers: Int, prior_layers: Int
        var batch: Int, frames: Int, n_past: Int
        var beta: Double
        /// Biases (rank-1 parameters but BatchNorm weights) are bias_scale·u.
        var bias_scale: Double
        /// p of the video formula.
        var video_index: Int
    }
    struct Case: Decodable {
        var config: CaseConfig
        var outputs: [Output]
        var torchFloat32Error: [String: Double]
        /// The largest float32 error over runs with weights and inputs moved by ±1 ulp (the script's --spread).
        var float32Spread: [String: Double]
    }
    var commit: String
    var counts: [String: Counts]
    var cases: [Case]

    static func bundled() throws -> SVGLPFixture {
        guard let url = Bundle.module.url(forResource: "svglp_parity", withExtension: "json", subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try JSONDecoder().decode(SVGLPFixture.self, from: Data(contentsOf: url))
    }
}

/// The fixture script's hash: u = ((k·2654435761 + p·40503 + 12345) mod 2^32) / 2^32 · 2 − 1.
func svglpHash(_ count: Int, _ p: Int) -> [Double] {
    (0..<count).map { k in
        let h = (UInt64(k) &* 2_654_435_761 &+ UInt64(p) &* 40503 &+ 12345) % (1 << 32)
        return Double(h) / 4_294_967_296.0 * 2 - 1
    }
}

/// The fixture's formula noise: the j-th draw is √3·u with p = 300000 + j.
struct FormulaNoise: SVGLPNoiseSource {
    var count = 0
    mutating func gaussian(_ shape: [Int]) -> Tensor {
        defer { count += 1 }
        let u = svglpHash(shape.reduce(1, *), 300_000 + count)
        return Tensor(shape: shape, scalars: u.map { Float(3.0.squareRoot() * $0) })
    }
}

/// The script's `video_formula`: frames [B, C, H, W] of a clip [T, B, C, H, W] whose frame (t, b) is run
/// j = t·B + b, with contrast c_j = 0.3 + 0.35(g_j + 1) and level l_j = (1 − c_j)(o_j + 1)/2 from the halves
/// (g, o) of the hash over 2·T·B elements (p + 1); element k is l_j + c_j·(u_k + 1)/2.
func svglpVideo(frames: Int, frameShape: [Int], p: Int) -> [Tensor] {
    let n = frameShape.reduce(1, *), batch = frameShape[0], groups = frames * batch
    let run = n / batch
    let u = svglpHash(frames * n, p)
    let go = svglpHash(2 * groups, p + 1)
    return (0..<frames).map { t in
        Tensor(shape: frameShape, scalars: (0..<n).map { i -> Float in
            let k = t * n + i, j = k / run
            let c = 0.3 + 0.35 * (go[j] + 1)
            let level = (1 - c) * (go[groups + j] + 1) / 2
            return Float(level + c * (u[k] + 1) / 2)
        })
    }
}

/// Sets every parameter and running statistic of `model` by the script's formula (biases bias_scale·u).
func fillFormula(_ model: SVGLP, biasScale: Double) {
    let normWeights = Set(model.namedModules().compactMap { name, m in m is SVGLPBatchNorm ? name + ".weight" : nil })
    for (p, (name, parameter)) in model.namedParameters().sorted(by: { $0.0 < $1.0 }).enumerated() {
        let shape = parameter.shape
        let u = svglpHash(parameter.count, p)
        let values: [Double]
        if normWeights.contains(name) {
            values = u.map { 1 + 0.1 * $0 }
        } else if shape.count >= 2 {
            let fan = Double(shape.dropFirst().reduce(1, *))
            values = u.map { $0 * (3 / fan).squareRoot() }
        } else {
            values = u.map { biasScale * $0 }
        }
        parameter.value = Tensor(shape: shape, scalars: values.map { Float($0) })
    }
    let stats = model.namedBuffers().filter { $0.0.hasSuffix("running_mean") || $0.0.hasSuffix("running_var") }
    for (q, (name, buffer)) in stats.sorted(by: { $0.0 < $1.0 }).enumerated() {
        let u = svglpHash(buffer.value.count, 100_000 + q)
        let values = name.hasSuffix("running_mean") ? u.map { 0.1 * $0 } : u.map { 1 + 0.5 * $0 }
        buffer.value = Tensor(shape: buffer.shape, scalars: values.map { Float($0) })
    }
}

/// ‖a − r‖₂ / ‖r‖₂ against a float64 reference.
func relativeL2(_ a: Tensor, _ r: SVGLPFixture.Output) -> Double {
    #expect(a.shape == r.shape, "\(r.name): shape \(a.shape), reference \(r.shape)")
    var d2 = 0.0, r2 = 0.0
    for (x, y) in zip(a.scalars, r.values) {
        d2 += (Double(x) - y) * (Double(x) - y)
        r2 += y * y
    }
    return (d2 / Swift.max(r2, 1e-300)).squareRoot()
}

/// An SVG-LP config with a fixture case's sizes.
func svglpConfig(_ c: SVGLPFixture.CaseConfig) -> SVGLPConfig {
    var config = SVGLPConfig.tiny
    config.contract = ClipContract(channels: c.nc, height: c.size, width: c.size, contextFrames: c.n_past,
                                   predictedFrames: c.frames - c.n_past)
    config.backbone = c.backbone == "vgg" ? .vgg : .dcgan
    config.recurrence = .lstm
    config.width = 64
    config.gDim = c.g
    config.zDim = c.z
    config.rnnSize = c.rnn
    config.predictorLayers = c.pred_layers
    config.posteriorLayers = c.post_layers
    config.priorLayers = c.prior_layers
    config.beta = c.beta
    config.lastFrameSkip = false
    return config
}

/// Runs a fixture case with our modules; returns our value for every output the fixture holds.
func svglpOutputs(_ c: SVGLPFixture.Case) -> [String: Tensor] {
    var rng = RandomGenerator(seed: 0)
    let model = SVGLP(config: svglpConfig(c.config), rng: &rng)
    let cfg = c.config
    fillFormula(model, biasScale: cfg.bias_scale)
    let frames = svglpVideo(frames: cfg.frames, frameShape: [cfg.batch, cfg.nc, cfg.size, cfg.size], p: cfg.video_index)
    var out: [String: Tensor] = [:]
    var noise = FormulaNoise()
    noGrad {
        let terms = model.lossTerms(frames, noise: &noise) { name, value in out["train." + name] = value }
        out["train.mse"] = terms.mse.reshaped([1])
        out["train.kld"] = terms.kld.reshaped([1])
        out["train.loss"] = terms.loss.reshaped([1])
        for (name, buffer) in model.namedBuffers() { out["running." + name] = buffer.value.reshaped([-1]) }
        let generated = model.generate(context: Array(frames.prefix(cfg.n_past)), frameCount: cfg.frames - cfg.n_past,
                                       mode: .batchStatistics(groups: 1), noise: &noise)
        out["generate.x[\(cfg.frames - 1)]"] = generated.last
        fillFormula(model, biasScale: cfg.bias_scale)
        let (h, skips) = model.encoder(frames[0], .running)
        out["eval.h"] = h
        out["eval.x"] = model.decoder(out["train.h_pred[1]"]!, skips: skips, .running)
    }
    return out
}

@Suite struct SVGLPTests {
    // MARK: - Against the official modules

    @Test(arguments: ["bair64-lstm", "kth64-lstm", "smmnist-lstm"])
    func officialPresetsHaveTheOfficialStateDictAndCounts(preset: String) throws {
        let fixture = try SVGLPFixture.bundled()
        let official = try #require(fixture.counts[preset])
        var rng = RandomGenerator(seed: 0)
        let model = try SVGLP.entry.make(preset, &rng)
        var ours: [String: [Int]] = [:]
        for (name, p) in model.namedParameters() { ours[name] = p.shape }
        for (name, b) in model.namedBuffers() { ours[name] = b.shape }
        let theirs = Dictionary(uniqueKeysWithValues: official.stateDict.map { ($0.name, $0.shape) })
        #expect(Set(ours.keys) == Set(theirs.keys), "names differ: ours only \(Set(ours.keys).subtracting(theirs.keys).sorted()), official only \(Set(theirs.keys).subtracting(ours.keys).sorted())")
        for (name, shape) in theirs where name.hasSuffix("num_batches_tracked") == false {
            #expect(ours[name] == shape, "\(name): \(ours[name] ?? []) vs official \(shape)")
        }
        var parts: [String: Int] = [:]
        for (name, p) in model.namedParameters() { parts[String(name.prefix { $0 != "." }), default: 0] += p.count }
        #expect(parts == official.parts)
        #expect(model.parameterCount == official.total)
    }

    /// The script's counts, pinned: a change of the official-architecture presets shows here.
    @Test func officialCountsArePinned() throws {
        let expected: [String: [String: Int]] = [
            "bair64-lstm": ["encoder": 8_689_600, "decoder": 11_822_659, "frame_predictor": 1_134_976,
                            "posterior": 592_256, "prior": 592_256],
            "kth64-lstm": ["encoder": 8_688_448, "decoder": 11_821_505, "frame_predictor": 1_124_736,
                           "posterior": 571_696, "prior": 571_696],
            "smmnist-lstm": ["encoder": 3_805_376, "decoder": 6_558_529, "frame_predictor": 1_121_152,
                             "posterior": 564_500, "prior": 564_500],
        ]
        let fixture = try SVGLPFixture.bundled()
        for (preset, parts) in expected {
            #expect(fixture.counts[preset]?.parts == parts, "\(preset)")
        }
        #expect(fixture.counts["bair64-lstm"]?.total == 22_831_747)
    }

    @Test(arguments: [0, 1])
    func outputsMatchTheOfficialModules(caseIndex: Int) throws {
        let fixture = try SVGLPFixture.bundled()
        let c = fixture.cases[caseIndex]
        let ours = svglpOutputs(c)
        for reference in c.outputs {
            let value = try #require(ours[reference.name], "no output \(reference.name)")
            let error = relativeL2(value, reference)
            // The references are float64 (the official modules run with .double() on the same float32
            // weights and inputs): float32's error against them is the honest measure. The bound is 1e-4 for
            // every output; the fixture's inputs are chosen so that float32 itself stays well inside it (the
            // spread of runs one ulp apart, recorded per output).
            let spread = c.float32Spread[reference.name] ?? 0
            let bound = 1e-4
            #expect(error < bound, "\(c.config.backbone) \(reference.name): relative L2 \(error) (float32 spread \(spread), PyTorch float32: \(c.torchFloat32Error[reference.name] ?? -1))")
        }
    }
}

/// A noise source that always returns zeros (z = μ): sampling becomes deterministic.
struct ZeroNoise: SVGLPNoiseSource {
    mutating func gaussian(_ shape: [Int]) -> Tensor { Tensor.zeros(shape) }
}

@Suite struct SVGLPModelTests {
    /// The tiny preset's parameters, pinned (official state_dict layout at width 4, g 8, z 2, rnn 8).
    @Test func tinyParameterNamesAndShapes() throws {
        var rng = RandomGenerator(seed: 0)
        let model = SVGLP(config: .tiny, rng: &rng)
        func lstm(_ prefix: String, _ input: Int) -> [String] {
            ["\(prefix).weight_ih [32, \(input)]", "\(prefix).weight_hh [32, 8]", "\(prefix).bias_ih [32]", "\(prefix).bias_hh [32]"]
        }
        func vgg(_ prefix: String, _ nout: Int, _ nin: Int) -> [String] {
            ["\(prefix).main.0.weight [\(nout), \(nin), 3, 3]", "\(prefix).main.0.bias [\(nout)]",
             "\(prefix).main.1.weight [\(nout)]", "\(prefix).main.1.bias [\(nout)]"]
        }
        func gaussian(_ part: String) -> [String] {
            ["\(part).embed.weight [8, 8]", "\(part).embed.bias [8]"] + lstm("\(part).lstm.0", 8)
                + ["\(part).mu_net.weight [2, 8]", "\(part).mu_net.bias [2]", "\(part).logvar_net.weight [2, 8]",
                   "\(part).logvar_net.bias [2]"]
        }
        let expected: [String] = vgg("encoder.c1.0", 4, 1) + vgg("encoder.c1.1", 4, 4) + vgg("encoder.c2.0", 8, 4)
            + vgg("encoder.c2.1", 8, 8)
            + ["encoder.c3.0.weight [8, 8, 4, 4]", "encoder.c3.0.bias [8]", "encoder.c3.1.weight [8]", "encoder.c3.1.bias [8]",
               "decoder.upc1.0.weight [8, 8, 4, 4]", "decoder.upc1.0.bias [8]", "decoder.upc1.1.weight [8]",
               "decoder.upc1.1.bias [8]"]
            + vgg("decoder.upc2.0", 8, 16) + vgg("decoder.upc2.1", 4, 8) + vgg("decoder.upc3.0", 4, 8)
            + ["decoder.upc3.1.weight [4, 1, 3, 3]", "decoder.upc3.1.bias [1]",
               "frame_predictor.embed.weight [8, 10]", "frame_predictor.embed.bias [8]"]
            + lstm("frame_predictor.lstm.0", 8) + lstm("frame_predictor.lstm.1", 8)
            + ["frame_predictor.output.0.weight [8, 8]", "frame_predictor.output.0.bias [8]"]
            + gaussian("posterior") + gaussian("prior")
        let ours = model.namedParameters().map { "\($0.0) \($0.1.shape)" }
        #expect(ours == expected, "\(ours)")
        let buffers = model.namedBuffers().map(\.0)
        #expect(buffers.count == 3 * 9 && buffers.allSatisfy { $0.contains(".running_") || $0.hasSuffix(".num_batches_tracked") })
    }

    @Test func convLSTMVariantWorksOnFourByFourMaps() throws {
        var rng = RandomGenerator(seed: 1)
        var config = SVGLPConfig.cpu
        config.width = 4
        let model = SVGLP(config: config, rng: &rng)
        let frame = Tensor(shape: [2, 1, 32, 32], scalars: (0..<2048).map { _ in rng.uniform() })
        let (h, skips) = model.encoder(frame, .running)
        #expect(h.shape == [2, config.gDim, 4, 4])
        #expect(skips.map(\.shape) == [[2, 4, 32, 32], [2, 8, 16, 16], [2, 16, 8, 8]])
        var states = model.posterior.zeroStates(batch: 2)
        var noise = ZeroNoise()
        let q = model.gaussianStep(model.posterior, h, states: &states, noise: &noise)
        #expect(q.z.shape == [2, config.zDim, 4, 4])
        let x = model.decoder(h, skips: skips, .running)
        #expect(x.shape == [2, 1, 32, 32])
        #expect(model.namedParameters().first { $0.0 == "frame_predictor.lstm.0.weight" }?.1.shape
                == [4 * config.rnnSize, 2 * config.rnnSize, 3, 3])
    }

    @Test func klIsNonNegativeAndThePriorCarriesStateAcrossTime() throws {
        var rng = RandomGenerator(seed: 2)
        let model = SVGLP(config: .tiny, rng: &rng)
        let frames = (0..<5).map { _ in Tensor(shape: [2, 1, 16, 16], scalars: (0..<512).map { _ in rng.uniform() }) }
        let terms = noGrad { model.lossTerms(frames, noise: &rng) }
        #expect(terms.kld.item >= 0 && terms.mse.item > 0)
        #expect(Swift.abs(terms.loss.item - (terms.mse.item + 1e-4 * terms.kld.item)) < 1e-5)
        // The same input twice: the second step's prior differs, its LSTM state having moved.
        var states = model.prior.zeroStates(batch: 2)
        var noise = ZeroNoise()
        let h = Tensor(shape: [2, 8], scalars: (0..<16).map { _ in rng.uniform(-1, 1) })
        let first = noGrad { model.gaussianStep(model.prior, h, states: &states, noise: &noise) }
        let second = noGrad { model.gaussianStep(model.prior, h, states: &states, noise: &noise) }
        #expect(first.mu.scalars != second.mu.scalars)
    }

    /// Running statistics: a clip's future does not depend on the other clips of the call; the official
    /// batch statistics ("batchnorm=batch") make it depend on them.
    @Test func batchNormOptionDecidesWhetherClipsInteract() throws {
        var rng = RandomGenerator(seed: 3)
        let model = SVGLP(config: .tiny, rng: &rng)
        let clips = (0..<3).map { _ in Tensor(shape: [1, 1, 16, 16], scalars: (0..<256).map { _ in rng.uniform() }) }
        let a = [clips[0], clips[1]].map { concat([$0, clips[2]], axis: 0) }           // clip A with clip C
        let b = [clips[0], clips[1]].map { concat([$0, clips[1]], axis: 0) }           // clip A with clip B
        func first(_ context: [Tensor], _ mode: SVGLPNormMode) -> [Float] {
            var noise = ZeroNoise()
            return noGrad { model.generate(context: context, frameCount: 2, mode: mode, noise: &noise) }
                .last!.sliced(axis: 0, 0..<1).scalars
        }
        #expect(first(a, .running) == first(b, .running))
        #expect(first(a, .batchStatistics(groups: 1)) != first(b, .batchStatistics(groups: 1)))

        #expect(model.options.map(\.current) == ["running"])
        try model.setOption("batchnorm", to: "batch")
        #expect(model.config.testBatchNorm == .batch)
        #expect(throws: PredictorError.self) { try model.setOption("batchnorm", to: "eval") }
        #expect(throws: PredictorError.self) { try model.setOption("sampler", to: "ddpm") }
    }

    @Test func badConfigsNameTheField() throws {
        func message(_ change: (inout SVGLPConfig) -> Void) -> String {
            var c = SVGLPConfig.bair64LSTM
            change(&c)
            do { try c.validate(); return "" } catch { return "\(error)" }
        }
        #expect(message { $0.contract = ClipContract(channels: 3, height: 48, width: 48, contextFrames: 2, predictedFrames: 10) }
            .contains("contract.height"))
        #expect(message { $0.contract.width = 32 }.contains("contract.height/width"))
        #expect(message { $0.zDim = 0 }.contains("zDim"))
        #expect(message { $0.rnnSize = -1 }.contains("rnnSize"))
        #expect(message { $0.batchSize = 1 }.contains("batchSize"))
        #expect(message { $0.beta = -1 }.contains("beta"))
        #expect(message { $0.trainClipLength = 1 }.contains("trainClipLength"))
        #expect(message { _ in }.isEmpty)
        var rng = RandomGenerator(seed: 0)
        #expect(throws: PredictorError.unknownPreset(model: "svg-lp", preset: "bair", known: SVGLP.entry.presetNames)) {
            _ = try SVGLP.entry.make("bair", &rng)
        }
        for preset in SVGLP.entry.presetNames { #expect(throws: Never.self) { try SVGLPConfig.presets.first { $0.key == preset }!.value.validate() } }
    }
}
