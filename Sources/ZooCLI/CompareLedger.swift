// What makes `zoo compare` resumable: a record beside each run saying what it was trained with and whether
// its budget was spent, and the evaluation kept with the key it was computed under. A rerun reuses what
// matches, resumes what was cut off, and replaces (keeping the old folder aside) what was made with other
// settings; every decision is one line of the report.
import Foundation
import ZooCore

/// The settings a comparison trains a run with; a run is reused only when these are equal.
struct CompareTrainingKey: Codable, Equatable {
    var model: String
    var preset: String
    /// The model's config JSON (sorted keys), which also carries the training-clip length.
    var config: String
    /// The step budget (the preset's when --steps was not given) and the time budget in minutes.
    var steps: Int
    var minutes: Double?
    var seed: UInt64
    var data: String

    /// The fields that differ from `other`, as "field old → new".
    func differences(from other: CompareTrainingKey) -> [String] {
        var out: [String] = []
        if model != other.model { out.append("model \(other.model) → \(model)") }
        if preset != other.preset { out.append("preset \(other.preset) → \(preset)") }
        if config != other.config { out.append("model config") }
        if steps != other.steps { out.append("steps \(other.steps) → \(steps)") }
        if minutes != other.minutes {
            out.append("minutes \(other.minutes.map { "\($0)" } ?? "none") → \(minutes.map { "\($0)" } ?? "none")")
        }
        if seed != other.seed { out.append("seed \(other.seed) → \(seed)") }
        if data != other.data { out.append("data \(other.data) → \(data)") }
        return out
    }
}

/// `<run>/compare-run.json`: the key, and how far the run got.
struct CompareRunRecord: Codable, Equatable {
    var key: CompareTrainingKey
    /// Whether the budget (steps or minutes) was spent: the run is final.
    var finished: Bool
    var step: Int
    /// Seconds of training over every session that recorded its end (a killed session's part is lost).
    var trainingSeconds: Double

    static func path(in run: RunDirectory) -> String { run.path + "/compare-run.json" }

    static func read(in run: RunDirectory) throws -> CompareRunRecord? {
        let path = path(in: run)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do { return try JSONDecoder().decode(CompareRunRecord.self, from: Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw ZooError("\(path): not a record written by zoo compare (\(error.localizedDescription)); remove it")
        }
    }

    func write(in run: RunDirectory) throws {
        try (jsonText(self) + "\n").write(toFile: Self.path(in: run), atomically: true, encoding: .utf8)
    }
}

/// What an evaluation was computed under; a stored one is reused only when this is equal.
struct CompareEvaluationKey: Codable, Equatable {
    /// The checkpoint's step, size in bytes and modification time (seconds since 1970, whole).
    var checkpointStep: Int
    var checkpointBytes: Int
    var checkpointModified: Int
    var settings: EvaluationSettings
    var metrics: [String]
    var data: String

    /// The key of evaluating `checkpoint` (at `step`) with these settings.
    static func of(checkpoint path: String, step: Int, settings: EvaluationSettings, metrics: EvaluationMetrics,
                   data: String) throws -> CompareEvaluationKey {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let bytes = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let modified = Int((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)
        return CompareEvaluationKey(checkpointStep: step, checkpointBytes: bytes, checkpointModified: modified,
                                    settings: settings, metrics: metrics.kinds.map(\.rawValue), data: data)
    }
}

/// `<run>/compare/evaluation.json`: an evaluation with its key and the figure files made with it.
struct CompareEvaluationRecord: Codable {
    var key: CompareEvaluationKey
    var result: EvaluationResult
    var parameters: Int

    static func folder(in run: RunDirectory) -> String { run.path + "/compare" }
    static func path(in run: RunDirectory) -> String { folder(in: run) + "/evaluation.json" }

    /// The stored record when its key equals `key` and its files are all there, else nil.
    static func reusable(in run: RunDirectory, key: CompareEvaluationKey) -> CompareEvaluationRecord? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path(in: run))),
              let record = try? JSONDecoder().decode(CompareEvaluationRecord.self, from: data), record.key == key else {
            return nil
        }
        let files = CompareFigureFiles(run: run)
        guard files.all.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else { return nil }
        return record
    }

    func write(in run: RunDirectory) throws {
        try (jsonText(self) + "\n").write(toFile: Self.path(in: run), atomically: true, encoding: .utf8)
    }
}

/// The files one model's evaluation leaves in `<run>/compare/`.
struct CompareFigureFiles {
    let folder: String
    init(run: RunDirectory) { folder = CompareEvaluationRecord.folder(in: run) }
    /// uint8 `frames` [N, S, Tp, H, W, C]: every sample the metrics scored (the layout `zoo metrics --pred` reads).
    var predictions: String { folder + "/predictions.h5" }
    /// Figure 2: context | truth | samples of the first clips, and the first clip animated.
    var grid: String { folder + "/samples.png" }
    var animation: String { folder + "/samples-animated.png" }
    /// Figure 4: truth, a sample and the CRPS map at a few frames of the first clips.
    var heatmap: String { folder + "/crps-map.png" }
    var all: [String] { [predictions, grid, animation, heatmap] }
}

/// `<out>/truth.json`: what `<out>/truth.h5` was made under (stored evaluations are reused only with it).
struct CompareTruthKey: Codable, Equatable {
    var settings: EvaluationSettings
    var data: String
    var contract: String

    static func read(_ path: String) -> CompareTruthKey? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(CompareTruthKey.self, from: data)
    }
}
