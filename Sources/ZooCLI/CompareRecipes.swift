// The experiments `zoo compare` knows by name (the paper's Table 1 and Table 2), and the candidates a
// comparison trains and evaluates: registry name, preset, an optional training-clip length and a label.
import Foundation
import ModelZoo
import ZooCore

/// A named experiment of `zoo compare --recipe`.
enum CompareRecipe: String, CaseIterable {
    /// Every registered predictor's preset (copy-last among them) on one dataset: the paper's Table 1.
    case table1
    /// The ablations of the paper's Table 2: VD against RVD, RVD trained on burn-in + 6 against burn-in + 3
    /// frames, IVRNN trained on context + 8 against context + 4 frames.
    case table2

    /// One line for `--help` and errors.
    var summary: String {
        switch self {
        case .table1: return "every registered model's preset (and copy-last) on one dataset"
        case .table2: return "VD vs RVD, RVD trained on 2+6 vs 2+3 frames, IVRNN on 4+8 vs 4+4 frames"
        }
    }

    /// Parses `--recipe`, naming the choices when the name is unknown.
    static func named(_ name: String) throws -> CompareRecipe {
        if let recipe = CompareRecipe(rawValue: name) { return recipe }
        let names = allCases.map(\.rawValue)
        let hint = closestMatch(to: name, in: names).map { " (did you mean \($0)?)" } ?? ""
        throw ZooError("--recipe \(name): unknown recipe\(hint); known: "
                       + allCases.map { "\($0.rawValue) (\($0.summary))" }.joined(separator: ", "))
    }
}

/// One model of a comparison, before it is built.
struct CompareCandidateSpec: Equatable {
    /// Registry name and preset.
    var name: String
    var preset: String
    /// Frames per training clip when it differs from the preset's (Table 2's training-length ablation).
    var trainClipLength: Int?

    /// The run folder's name under `--out`.
    var folderName: String {
        "\(name)-\(preset)" + (trainClipLength.map { "-train\($0)" } ?? "")
    }
}

/// A candidate built: the model (fresh weights), its spec and the label the report shows.
struct CompareCandidate {
    var spec: CompareCandidateSpec
    var model: any VideoPredictor
    /// e.g. "rvd", or "rvd (2+3)" when the recipe names the training frames.
    var label: String
    /// The model's config as stored in its checkpoints (after the training-clip override).
    var configJSON: String
}

extension CompareRecipe {
    /// The candidates of the recipe with every model at `preset`.
    func specs(preset: String, registry: ModelRegistry = defaultRegistry) throws -> [CompareCandidateSpec] {
        switch self {
        case .table1:
            var names = registry.names
            // copy-last is the floor every row is read against: first, and present even if renamed away.
            if let i = names.firstIndex(of: "copy-last") { names.remove(at: i); names.insert("copy-last", at: 0) }
            return names.map { CompareCandidateSpec(name: $0, preset: preset) }
        case .table2:
            var rng = RandomGenerator(seed: 0)
            let rvd = try registry.entry(named: "rvd")
            let ivrnn = try registry.entry(named: "ivrnn")
            _ = try registry.entry(named: "vd")
            let rvdModel = try rvd.make(preset, &rng)
            let burnIn = try configInt(rvdModel, key: "burnInFrames")
            let ivrnnContext = try ivrnn.make(preset, &rng).contract.contextFrames
            return [
                CompareCandidateSpec(name: "vd", preset: preset, trainClipLength: burnIn + 6),
                CompareCandidateSpec(name: "rvd", preset: preset, trainClipLength: burnIn + 6),
                CompareCandidateSpec(name: "rvd", preset: preset, trainClipLength: burnIn + 3),
                CompareCandidateSpec(name: "ivrnn", preset: preset, trainClipLength: ivrnnContext + 8),
                CompareCandidateSpec(name: "ivrnn", preset: preset, trainClipLength: ivrnnContext + 4),
            ]
        }
    }

    /// Whether the report labels rows with their training frames ("rvd (2+6)").
    var labelsTrainingFrames: Bool { self == .table2 }
}

/// An integer field of a model's stored config.
func configInt(_ model: any VideoPredictor, key: String) throws -> Int {
    let object = try JSONSerialization.jsonObject(with: try model.configJSON()) as? [String: Any]
    guard let value = object?[key] as? Int else {
        throw ZooError("\(model.modelName): its config has no integer field \(key)")
    }
    return value
}

/// Builds a candidate: the preset's model, with `trainClipLength` replaced in its config when the spec asks.
func buildCandidate(_ spec: CompareCandidateSpec, seed: UInt64, labelTrainingFrames: Bool,
                    registry: ModelRegistry = defaultRegistry) throws -> CompareCandidate {
    let entry = try checkModel(spec.name, preset: spec.preset, registry: registry)
    var rng = RandomGenerator(seed: seed)
    var model = try entry.make(spec.preset, &rng)
    if let length = spec.trainClipLength {
        let data = try model.configJSON()
        guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              object["trainClipLength"] is Int else {
            throw ZooError("\(spec.name) (\(spec.preset)): its config has no trainClipLength to set to \(length)")
        }
        object["trainClipLength"] = length
        var rebuilt = RandomGenerator(seed: seed)
        model = try entry.load(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), &rebuilt)
    }
    var label = spec.name
    if labelTrainingFrames {
        let length = model.trainingDefaults.clipLength
        let given = spec.name == "ivrnn" ? model.contract.contextFrames
            : ((try? configInt(model, key: "burnInFrames")) ?? model.contract.contextFrames)
        label += " (\(given)+\(length - given))"
    }
    let config = String(decoding: try model.configJSON(), as: UTF8.self)
    return CompareCandidate(spec: spec, model: model, label: label, configJSON: config)
}

/// Parses `--models a,b:preset,...` into specs (`defaultPreset` for entries without one, else the model's own).
func parseModelList(_ text: String, defaultPreset: String?) throws -> [CompareCandidateSpec] {
    try text.split(separator: ",").map { part in
        let pieces = part.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        let entry = try checkModel(pieces[0], preset: pieces.count > 1 ? pieces[1] : nil)
        return CompareCandidateSpec(name: entry.name, preset: pieces.count > 1 ? pieces[1] : (defaultPreset ?? entry.defaultPreset))
    }
}

/// The names of the registered models (what `--recipe table1` runs).
func registeredModelNames() -> [String] { defaultRegistry.names }
