// `--set NAME=VALUE` of `zoo sample`, `zoo eval` and `zoo compare`: a model's own options (`zoo info MODEL`
// lists them), changed for this command only; `--sampler X` is short for `--set sampler=X`.
import ArgumentParser
import Foundation
import ZooCore

/// The model options of the sampling commands.
public struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp(
        "A model option for this command, e.g. sampler=ddim:50 (repeatable; `zoo info MODEL` lists a model's options).",
        valueName: "NAME=VALUE"))
    public var assignments: [String] = []

    @Option(name: .customLong("sampler"), help: ArgumentHelp(
        "Diffusion models: short for --set sampler=VALUE: ddpm (all N steps, the paper's), ddim:K (K steps, "
            + "η = 0) or ddim:K:ETA. Default: the sampler in the model's config (RVD's cpu preset: ddim:25:1).",
        valueName: "ddpm|ddim:K[:ETA]"))
    public var sampler: String?

    public init() {}

    public func validate() throws {
        for text in assignments where !text.contains("=") || text.hasPrefix("=") {
            throw ValidationError("--set \(text): expected NAME=VALUE, e.g. --set sampler=ddim:50")
        }
        if let sampler {
            do { _ = try SamplerSettings(parsing: sampler) } catch {
                throw ValidationError("--sampler \(sampler): \(error)")
            }
        }
    }

    /// Every assignment, `--sampler` first.
    var all: [String] { (sampler.map { ["sampler=" + $0] } ?? []) + assignments }

    /// Sets the options on `model`; an option the model lacks or a bad value is an error naming the flag.
    /// - Returns: the model's options after the change (for the command's header line).
    @discardableResult
    func apply(to model: any VideoPredictor) throws -> [ModelOption] {
        do { try model.setOptions(all) } catch let error as PredictorError {
            if sampler != nil, case .unknownOption(_, "sampler", _) = error {
                throw ValidationError("--sampler: \(model.modelName) is not a diffusion model; it has no sampler to choose")
            }
            throw ValidationError("\(error)")
        }
        return model.options
    }
}

/// "sampler ddim:25:1, …" for a header line (empty without options).
func optionSummary(_ options: [ModelOption]) -> String {
    options.map { "\($0.name) \($0.current)" }.joined(separator: ", ")
}
