// Option groups shared by the model commands, and the checks every command makes against the registry.
import ArgumentParser
import Foundation
import ModelZoo
import ZooCore

/// `--data`: where clips come from.
public struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Data: flow (embedded, the default), shapes (embedded), or a clip store .h5.",
                               valueName: "flow|shapes|STORE.h5"))
    public var data: String?

    public init() {}

    /// The data spec, or `fallback` when `--data` was not given.
    public func spec(default fallback: String = "flow") -> DataSpec { DataSpec(data ?? fallback) }

    /// Checks that a store path exists (the embedded names always do).
    public func validate() throws {
        guard let data, data != "flow", data != "shapes" else { return }
        guard FileManager.default.fileExists(atPath: data) else {
            throw ValidationError("--data \(data): no such file (give flow, shapes or the path of a clip store)")
        }
    }
}

/// `--json` and `--quiet`.
public struct OutputOptions: ParsableArguments {
    @Flag(help: "Print the result as JSON on stdout.")
    public var json = false

    @Flag(help: "No progress on stderr.")
    public var quiet = false

    public init() {}
}

/// `--samples`, `--clips`, `--eval-seed`, `--eval-batch`: the evaluation protocol's knobs.
public struct EvaluationOptions: ParsableArguments {
    @Option(help: "Samples per test clip (S).")
    public var samples: Int = 10

    @Option(help: "Test clips to evaluate, the first ones in order (default: all).")
    public var clips: Int?

    @Option(name: .customLong("eval-seed"), help: "Seed of the sampling (the same for every model).")
    public var evalSeed: UInt64 = 0

    @Option(name: .customLong("eval-batch"), help: "Clips per predict call (fixes which seed each clip gets).")
    public var evalBatch: Int = 8

    public init() {}

    public func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1, got \(samples)") }
        if let clips, clips < 1 { throw ValidationError("--clips must be at least 1, got \(clips)") }
        guard evalBatch >= 1 else { throw ValidationError("--eval-batch must be at least 1, got \(evalBatch)") }
    }

    /// The settings these options give.
    public var settings: EvaluationSettings {
        EvaluationSettings(clips: clips, samples: samples, seed: evalSeed, batchSize: evalBatch)
    }
}

/// Checks a model name (and preset) against the registry, with the registry's message on failure.
func checkModel(_ name: String, preset: String?, registry: ModelRegistry = defaultRegistry) throws -> ModelEntry {
    let entry: ModelEntry
    do { entry = try registry.entry(named: name) } catch let error as PredictorError {
        throw ValidationError(error.description)
    }
    if let preset, !entry.presetNames.contains(preset) {
        throw ValidationError(PredictorError.unknownPreset(model: name, preset: preset, known: entry.presetNames).description)
    }
    return entry
}

/// Checks that a checkpoint path exists (reading it is left to `run`).
func checkCheckpointPath(_ path: String) throws {
    guard FileManager.default.fileExists(atPath: path) else {
        throw ValidationError("--checkpoint \(path): no such file")
    }
}

/// Reads a checkpoint and rebuilds its model from the default registry.
func loadModel(checkpoint path: String, strict: Bool, useEMA: Bool) throws -> (any VideoPredictor, Checkpoint) {
    let checkpoint = try Checkpoint.read(from: path)
    let model = try defaultRegistry.model(from: checkpoint, file: path, strict: strict, useEMA: useEMA)
    return (model, checkpoint)
}
