// `--sampler` of `zoo sample`, `zoo eval` and `zoo compare`: which reverse process a diffusion model
// samples with (ancestral DDPM over all N steps, the paper's, or DDIM with K steps and η), replacing the
// one in its checkpoint's config for this command only.
import ArgumentParser
import Foundation
import ZooCore

/// The sampler choice of the sampling commands.
public struct SamplerOptions: ParsableArguments {
    @Option(name: .customLong("sampler"), help: ArgumentHelp(
        "Diffusion models only: ddpm (all N steps, the paper's), ddim:K (K steps, η = 0) or ddim:K:ETA. "
            + "Default: the sampler in the model's config (RVD's cpu preset: ddim:25:1).",
        valueName: "ddpm|ddim:K[:ETA]"))
    public var sampler: String?

    public init() {}

    public func validate() throws { _ = try settings() }

    /// The settings named by --sampler (nil: keep the model's).
    func settings() throws -> SamplerSettings? {
        guard let sampler else { return nil }
        return try Self.parse(sampler)
    }

    /// "ddpm", "ddim:K" or "ddim:K:ETA" as settings; throws a message naming the flag.
    static func parse(_ text: String) throws -> SamplerSettings {
        let parts = text.lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func bad(_ why: String) -> ValidationError {
            ValidationError("--sampler \(text): \(why) (expected ddpm, ddim:K or ddim:K:ETA, e.g. ddim:50 or ddim:25:1)")
        }
        switch parts[0] {
        case "ddpm":
            guard parts.count == 1 else { throw bad("ddpm takes no step count (it visits all N steps)") }
            return .ddpm
        case "ddim":
            guard parts.count == 2 || parts.count == 3 else { throw bad("give the step count K") }
            guard let steps = Int(parts[1]), steps >= 1 else { throw bad("K must be a positive integer") }
            var eta = 0.0
            if parts.count == 3 {
                guard let value = Double(parts[2]), value >= 0, value.isFinite else { throw bad("ETA must be a number ≥ 0") }
                eta = value
            }
            return .ddim(steps: steps, eta: eta)
        default:
            throw bad("unknown sampler '\(parts[0])'")
        }
    }

    /// Sets the chosen sampler on `model`; throws when the model is not a diffusion model or K exceeds its
    /// N steps. Returns the settings in use (nil for models without a sampler).
    @discardableResult
    func apply(to model: any VideoPredictor) throws -> SamplerSettings? {
        let diffusion = model as? any DiffusionSampling
        guard let chosen = try settings() else { return diffusion?.samplerSettings }
        guard let diffusion else {
            throw ValidationError("--sampler: \(model.modelName) is not a diffusion model; it has no sampler to choose")
        }
        do { try chosen.validate(stepCount: diffusion.diffusionStepCount) } catch {
            throw ValidationError("--sampler \(sampler ?? ""): \(error) (\(model.modelName) has N = \(diffusion.diffusionStepCount) steps)")
        }
        diffusion.samplerSettings = chosen
        return chosen
    }
}
