// The reverse process as a sampler: the step indices a sampling loop visits and one update per index.
// The loop itself (network → `sampler.step`) belongs to the model (docs/architecture.md), as in diffusers'
// pipelines; a sampler holds no network.

/// A reverse-diffusion sampler.
///
/// A sampling loop starts from x ~ N(0, I) at `timesteps[0]`, and for i = 0..<timesteps.count evaluates
/// the denoiser at (x, timesteps[i]) and sets x = `step(modelOutput:index:sample:rng:)`. After the last
/// index x is the clean sample.
import ZooTensor

public protocol Sampler {
    /// The forward process.
    var schedule: NoiseSchedule { get }
    /// What the denoiser predicts.
    var objective: Objective { get }
    /// x̂₀ is clamped to [−clip, clip] before use (nil: no clamp). RVD's `clip_noise` is 2 (a residual
    /// of frames in [−1, 1] lies in [−2, 2]).
    var clip: Float? { get }
    /// The step indices the loop visits, noisiest first (each in 0..<N).
    var timesteps: [Int] { get }
    /// One reverse update from the sample at `timesteps[index]` to the sample at the next index (or the
    /// final sample after the last). Draws its noise, if any, from `rng` in row-major order.
    func step(modelOutput: Tensor, index: Int, sample: Tensor, rng: inout RandomGenerator) -> Tensor
}

extension Sampler {
    /// x̂₀ from the model output at step index `t` (same t for the whole batch), clamped if `clip` is set.
    public func predictedX0(modelOutput: Tensor, sample: Tensor, t: Int) -> Tensor {
        let steps = [Int](repeating: t, count: sample.shape[0])
        let x0 = objective.predictedX0(modelOutput: modelOutput, xt: sample, schedule: schedule, t: steps)
        guard let clip else { return x0 }
        return ZooTensor.clamp(x0, min: -clip, max: clip)
    }
}

/// Which sampler a diffusion model uses.
public enum SamplerKind: String, Codable, Sendable, CaseIterable {
    /// Ancestral DDPM over all N steps (Ho et al. 2020, Algorithm 2).
    case ddpm
    /// DDIM over K of the N steps with stochasticity η (Song et al. 2021, eq. 12).
    case ddim
}

/// The sampler choice of a diffusion model: kind, number of steps and η. Models keep it in their
/// config; `zoo sample` / `zoo eval` may replace it through `DiffusionSampling.samplerSettings`.
public struct SamplerSettings: Codable, Sendable, Equatable, CustomStringConvertible {
    public var kind: SamplerKind
    /// DDIM: steps K (nil: all N). DDPM always visits all N steps and ignores it.
    public var steps: Int?
    /// DDIM's η (0: deterministic, 1: the DDPM posterior variance). Ignored by DDPM.
    public var eta: Double

    public init(kind: SamplerKind, steps: Int? = nil, eta: Double = 0) {
        self.kind = kind
        self.steps = steps
        self.eta = eta
    }

    /// Ancestral sampling over all N steps (the paper's sampler).
    public static let ddpm = SamplerSettings(kind: .ddpm)

    /// DDIM with `steps` steps and η = `eta`.
    public static func ddim(steps: Int, eta: Double = 0) -> SamplerSettings {
        SamplerSettings(kind: .ddim, steps: steps, eta: eta)
    }

    /// Checks the fields against a schedule of `stepCount` steps.
    /// - Throws: `SamplerError.invalid` saying which field is wrong.
    public func validate(stepCount: Int) throws {
        if let steps, !(1...stepCount).contains(steps) {
            throw SamplerError.invalid("sampler steps must be in 1...\(stepCount), got \(steps)")
        }
        guard eta >= 0, eta.isFinite else { throw SamplerError.invalid("DDIM eta must be ≥ 0, got \(eta)") }
    }

    /// Settings from their text form: "ddpm", "ddim:K" (η = 0) or "ddim:K:ETA" (case-insensitive).
    /// - Throws: `SamplerError.invalid` saying what is wrong with `text`.
    public init(parsing text: String) throws {
        let parts = text.lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func bad(_ why: String) -> SamplerError {
            SamplerError.invalid("\(why) (expected ddpm, ddim:K or ddim:K:ETA, e.g. ddim:50 or ddim:25:1)")
        }
        switch parts[0] {
        case "ddpm":
            guard parts.count == 1 else { throw bad("ddpm takes no step count (it visits all N steps)") }
            self = .ddpm
        case "ddim":
            guard parts.count == 2 || parts.count == 3 else { throw bad("give the step count K") }
            guard let steps = Int(parts[1]), steps >= 1 else { throw bad("K must be a positive integer") }
            var eta = 0.0
            if parts.count == 3 {
                guard let value = Double(parts[2]), value >= 0, value.isFinite else { throw bad("ETA must be a number ≥ 0") }
                eta = value
            }
            self = .ddim(steps: steps, eta: eta)
        default:
            throw bad("unknown sampler '\(parts[0])'")
        }
    }

    /// The text form `init(parsing:)` reads ("ddpm", "ddim:K:ETA"; "ddim" alone when K is all N).
    public var text: String {
        switch kind {
        case .ddpm: return "ddpm"
        case .ddim: return "ddim" + (steps.map { ":\($0)" } ?? "") + (steps == nil ? "" : ":\(eta)")
        }
    }

    /// The sampler these settings describe.
    public func makeSampler(schedule: NoiseSchedule, objective: Objective, clip: Float?) -> any Sampler {
        switch kind {
        case .ddpm: return DDPMSampler(schedule: schedule, objective: objective, clip: clip)
        case .ddim:
            return DDIMSampler(schedule: schedule, steps: steps ?? schedule.stepCount, eta: eta, objective: objective,
                               clip: clip)
        }
    }

    public var description: String {
        switch kind {
        case .ddpm: return "ddpm"
        case .ddim: return "ddim(steps: \(steps.map(String.init) ?? "all"), eta: \(eta))"
        }
    }
}

/// Sampler settings that cannot be used.
public enum SamplerError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    public var description: String {
        switch self { case let .invalid(message): return message }
    }
}

/// A model whose sampler can be chosen after it is built. Users reach it through the model's option
/// "sampler" (`zoo sample --set sampler=ddim:50`, or `--sampler ddim:50`).
public protocol DiffusionSampling: AnyObject {
    /// The sampler `predict` uses. Setting invalid settings traps; check with `validate(stepCount:)`.
    var samplerSettings: SamplerSettings { get set }
    /// Steps N of the model's schedule (the bound for `samplerSettings.steps`).
    var diffusionStepCount: Int { get }
}
