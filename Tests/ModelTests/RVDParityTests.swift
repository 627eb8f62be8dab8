// RVD against the reference PyTorch modules (github.com/buggyyang/RVD): parameter names and shapes equal
// the reference state_dict, and transform net, context net and denoiser outputs match within 1e-4
// relative on a reduced-width fixture (Tools/rvd/make_parity_fixtures.py; the commit is in the JSON).
// The full-width (bair64) check reads RVD_FULL_PARITY=<path to a --full fixture> when set.

import Foundation
import Testing
import ZooCore
@testable import RVD

/// A tensor in the parity fixture.
struct ParityTensor: Decodable {
    var shape: [Int]
    var values: [Double]
    var tensor: Tensor { Tensor(shape: shape, scalars: values.map { Float($0) }) }
}

/// The parity fixture's contents.
struct ParityFixture: Decodable {
    struct Config: Decodable {
        var dim: Int
        var dim_mults: [Int]
        var transform_dim_mults: [Int]
        var channels: Int
        var size: Int
        var batch: Int
        var frames: Int
        var steps: Int
        var t: [Int]
    }
    struct Entry: Decodable { var name: String; var shape: [Int] }
    var commit: String
    var config: Config
    var parameters: [Entry]
    var parameterCount: Int
    var video: ParityTensor
    var noisy: ParityTensor
    var context: [ParityTensor]
    var mu: [ParityTensor]
    var epsilon: ParityTensor
    var posteriorMean: ParityTensor
    var posteriorLogVariance: [Double]
    var alphasCumprod: [Double]
    /// PyTorch's own float32 errors against the float64 reference, by output kind.
    var torchFloat32Error: [String: Double]
    var torchFloat32ErrorL2: [String: Double]

    /// The elementwise bound for an output: 3x PyTorch's own float32 error, and at least 1e-4.
    func elementwiseBound(_ output: String) -> Double {
        let kind = output.components(separatedBy: "[")[0]
        return Swift.max(1e-4, 3 * (torchFloat32Error[kind] ?? 0))
    }

    static func load(path: String) throws -> ParityFixture {
        try JSONDecoder().decode(ParityFixture.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func bundled(_ name: String) throws -> ParityFixture {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try load(path: url.path)
    }

    /// An RVD config with the fixture's widths.
    var rvdConfig: RVDConfig {
        var c = RVDConfig.tiny
        c.contract = ClipContract(channels: config.channels, height: config.size, width: config.size,
                                  contextFrames: 2, predictedFrames: 1)
        c.dim = config.dim
        c.dimMults = config.dim_mults
        c.transformDimMults = config.transform_dim_mults
        c.diffusionSteps = config.steps
        c.sampler = .ddpm
        return c
    }
}

/// The script's weight formula (see make_parity_fixtures.py), over the sorted parameter names.
func fillFormulaWeights(_ model: RVD) {
    let params = model.namedParameters()
    let byName = Dictionary(uniqueKeysWithValues: params)
    // The script walks the sorted state_dict keys, which include the diffusion buffers (betas, …).
    let bufferNames = ["alphas_cumprod", "alphas_cumprod_prev", "betas", "log_one_minus_alphas_cumprod",
                       "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2",
                       "posterior_variance", "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod",
                       "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod"]
    let names = (params.map(\.0) + bufferNames).sorted()
    for (p, name) in names.enumerated() {
        guard let parameter = byName[name] else { continue }
        let shape = parameter.shape
        let n = parameter.count
        var values = [Float](repeating: 0, count: n)
        let fan = shape.count >= 2 ? shape.dropFirst().reduce(1, *) : 1
        for k in 0..<n {
            let hash = (UInt64(k) &* 2_654_435_761 &+ UInt64(p) &* 40503 &+ 12345) % (1 << 32)
            let u = Double(hash) / 4_294_967_296.0 * 2 - 1
            if shape.count >= 2 {
                values[k] = Float(u * (3 / Double(fan)).squareRoot())
            } else if name.hasSuffix("block.1.weight") || name.hasSuffix(".g") {
                values[k] = Float(1 + 0.1 * u)
            } else {
                values[k] = Float(0.1 * u)
            }
        }
        parameter.value = Tensor(shape: shape, scalars: values)
    }
}

/// Two relative errors of `actual` against a float64 reference: ‖a − r‖₂/‖r‖₂, and the elementwise
/// max |a − r| / max(|r|, 0.01·max|r|) (the fixture loader's metric in ZooCoreTests).
func parityError(_ actual: Tensor, _ reference: ParityTensor) -> (l2: Double, elementwise: Double) {
    precondition(actual.shape == reference.shape, "shape \(actual.shape) vs reference \(reference.shape)")
    let a = actual.scalars
    let scale = reference.values.map(Swift.abs).max() ?? 0
    var worst = 0.0, diff2 = 0.0, ref2 = 0.0
    for (x, r) in zip(a, reference.values) {
        let d = Double(x) - r
        diff2 += d * d
        ref2 += r * r
        worst = Swift.max(worst, Swift.abs(d) / Swift.max(Swift.abs(r), 0.01 * scale, 1e-30))
    }
    return ((diff2 / Swift.max(ref2, 1e-300)).squareRoot(), worst)
}

/// Runs the fixture's computation with our modules and returns the worst errors by output.
func parityErrors(_ f: ParityFixture) -> [String: (l2: Double, elementwise: Double)] {
    var rng = RandomGenerator(seed: 0)
    let model = RVD(config: f.rvdConfig, rng: &rng)
    fillFormulaWeights(model)
    let video = f.video.tensor                                        // [T, B, C, H, W]
    var errors: [String: (l2: Double, elementwise: Double)] = [:]
    noGrad {
        var state = model.zeroState(batch: f.config.batch)
        var condition: RVD.Conditioning?
        for i in 0..<f.config.frames {
            condition = model.read(video.selecting(axis: 0, i), state: &state)
            errors["mu[\(i)]"] = parityError(condition!.mu!, f.mu[i])
        }
        for (i, c) in condition!.context.enumerated() { errors["context[\(i)]"] = parityError(c, f.context[i]) }
        let noisy = f.noisy.tensor
        let eps = model.denoiser(noisy, t: f.config.t, context: condition!.context)
        errors["epsilon"] = parityError(eps, f.epsilon)
        let x0 = clamp(Objective.epsilon.predictedX0(modelOutput: eps, xt: noisy, schedule: model.schedule, t: f.config.t),
                       min: -2, max: 2)
        let mean = model.schedule.posterior(x0: x0, xt: noisy, t: f.config.t).mean
        errors["posteriorMean"] = parityError(mean, f.posteriorMean)
    }
    return errors
}

@Suite struct RVDParity {
    @Test func parameterNamesAndShapesEqualTheReferenceStateDict() throws {
        let f = try ParityFixture.bundled("rvd_parity_small")
        var rng = RandomGenerator(seed: 0)
        let model = RVD(config: f.rvdConfig, rng: &rng)
        let ours = model.namedParameters().map { ($0.0, $0.1.shape) }.sorted { $0.0 < $1.0 }
        let theirs = f.parameters.map { ($0.name, $0.shape) }.sorted { $0.0 < $1.0 }
        #expect(ours.map(\.0) == theirs.map(\.0))
        #expect(ours.map(\.1) == theirs.map(\.1))
        #expect(model.parameterCount == f.parameterCount)
    }

    @Test func outputsMatchTheReferenceAtReducedWidth() throws {
        let f = try ParityFixture.bundled("rvd_parity_small")
        let errors = parityErrors(f)
        #expect(errors.count == 3 + f.context.count + 2)
        for (name, error) in errors.sorted(by: { $0.key < $1.key }) {
            #expect(error.l2 < 1e-4, "\(name): relative L2 error \(error.l2)")
            #expect(error.elementwise < f.elementwiseBound(name),
                    "\(name): elementwise relative error \(error.elementwise) (PyTorch float32: \(f.torchFloat32Error))")
        }
    }

    @Test func scheduleTablesMatchTheReference() throws {
        let f = try ParityFixture.bundled("rvd_parity_small")
        let s = NoiseSchedule.cosine(steps: f.config.steps)
        for (a, r) in zip(s.alphasCumprod, f.alphasCumprod) { #expect(Swift.abs(Double(a) - r) <= 1e-7 + 1e-6 * Swift.abs(r)) }
        for (i, t) in f.config.t.enumerated() {
            let r = f.posteriorLogVariance[i]
            #expect(Swift.abs(Double(s.posteriorLogVarianceClipped[t]) - r) <= 1e-5 * Swift.abs(r))
        }
    }

    /// The full-width check (bair64 widths, 64x64 RGB), run on request: RVD_FULL_PARITY=/tmp/rvd_parity_full.json.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["RVD_FULL_PARITY"] != nil))
    func outputsMatchTheReferenceAtFullWidth() throws {
        let f = try ParityFixture.load(path: ProcessInfo.processInfo.environment["RVD_FULL_PARITY"]!)
        let errors = parityErrors(f)
        print("full-width parity, PyTorch float32 vs float64: \(f.torchFloat32Error) (L2 \(f.torchFloat32ErrorL2))")
        for (name, error) in errors.sorted(by: { $0.key < $1.key }) {
            print("full-width parity \(name): relative L2 \(error.l2), elementwise \(error.elementwise)")
            #expect(error.l2 < 1e-4, "\(name): relative L2 error \(error.l2)")
            #expect(error.elementwise < f.elementwiseBound(name), "\(name): elementwise \(error.elementwise)")
        }
    }
}
