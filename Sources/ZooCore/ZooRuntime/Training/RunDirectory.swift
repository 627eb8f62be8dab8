// A run's folder: the command line, the config, the metrics, checkpoints and sample strips.
//
//     runs/convgru-cpu/
//       command.txt          the exact command line (a resume appends its own)
//       config.json          model, preset, model config and training settings
//       metrics.csv          every logged scalar (see CSVLog)
//       step-000500.h5       checkpoints (the newest few are kept)
//       last.h5              the newest checkpoint
//       samples/step-000500.png   sample strips: context | truth | samples

import Foundation
import ZooTensor
import ZooNN
import ZooData
import ZooMetrics

/// Paths and bookkeeping of one run folder.
public struct RunDirectory: Sendable {
    /// The folder.
    public let path: String

    /// A run folder at `path` (nothing is created).
    public init(path: String) { self.path = path }

    /// `last.h5`: the newest checkpoint.
    public var lastCheckpoint: String { path + "/last.h5" }
    /// `metrics.csv`.
    public var metrics: String { path + "/metrics.csv" }
    /// `config.json`.
    public var config: String { path + "/config.json" }
    /// `command.txt`.
    public var command: String { path + "/command.txt" }
    /// The folder of sample strips.
    public var samples: String { path + "/samples" }

    /// `step-NNNNNN.h5`.
    public func checkpoint(step: Int) -> String { path + "/" + RunDirectory.checkpointName(step: step) }

    /// The file name of a step checkpoint.
    public static func checkpointName(step: Int) -> String { String(format: "step-%06d.h5", step) }

    /// Whether the folder already holds a run (a checkpoint or a metrics log).
    public var holdsRun: Bool {
        let manager = FileManager.default
        return manager.fileExists(atPath: lastCheckpoint) || manager.fileExists(atPath: metrics)
    }

    /// Step checkpoints present, oldest first.
    public func stepCheckpoints() -> [(step: Int, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("step-"), name.hasSuffix(".h5"),
                  let step = Int(name.dropFirst(5).dropLast(3)) else { return nil }
            return (step, path + "/" + name)
        }.sorted { $0.0 < $1.0 }
    }

    /// Creates the folder (and `samples/`), checks that files can be written there and removes the
    /// temporary files of earlier processes that were killed while saving.
    /// - Throws: `RunDirectoryError` naming the folder when it cannot be created or written.
    public func prepare() throws {
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: samples, withIntermediateDirectories: true)
        } catch {
            throw RunDirectoryError(file: path, message: "cannot create the folder (\(error.localizedDescription))")
        }
        let probe = path + "/.write-test-\(getpid())"
        guard manager.createFile(atPath: probe, contents: Data()) else {
            throw RunDirectoryError(file: path, message: "cannot write there (\(errnoText()))")
        }
        try? manager.removeItem(atPath: probe)
        removeStaleTemporaries()
    }

    /// Appends the command line to `command.txt` (a resumed run adds a second line).
    public func recordCommand(_ arguments: [String]) throws {
        let line = arguments.map(RunDirectory.shellQuoted).joined(separator: " ") + "\n"
        try append(line, to: command)
    }

    /// Writes `config.json`: the model, preset, its config and the training settings.
    public func recordConfig(model: String, preset: String, configJSON: Data, settings: TrainingSettings) throws {
        let modelConfig = try JSONSerialization.jsonObject(with: configJSON)
        let training = try JSONSerialization.jsonObject(with: try settings.json())
        let object: [String: Any] = ["model": model, "preset": preset, "config": modelConfig, "training": training,
                                     "zooVersion": ZooVersion.current]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try (data + Data("\n".utf8)).write(to: URL(fileURLWithPath: config), options: .atomic)
    }

    /// Deletes all but the newest `keep` step checkpoints.
    public func pruneCheckpoints(keep: Int) {
        let all = stepCheckpoints()
        for old in all.dropLast(keep) { try? FileManager.default.removeItem(atPath: old.path) }
    }

    /// Quotes an argument for a POSIX shell when it needs it.
    public static func shellQuoted(_ argument: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
        if !argument.isEmpty && argument.unicodeScalars.allSatisfy(safe.contains) { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private func append(_ text: String, to file: String) throws {
        let manager = FileManager.default
        if !manager.fileExists(atPath: file) {
            guard manager.createFile(atPath: file, contents: Data(text.utf8)) else {
                throw RunDirectoryError(file: file, message: "cannot write (\(errnoText()))")
            }
            return
        }
        guard let handle = FileHandle(forWritingAtPath: file) else {
            throw RunDirectoryError(file: file, message: "cannot write (\(errnoText()))")
        }
        defer { try? handle.close() }
        do {
            _ = try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            throw RunDirectoryError(file: file, message: "cannot write (\(errnoText()))")
        }
    }

    /// Deletes the temporary files that a process killed while saving left behind (a checkpoint's
    /// `.step-000040.h5.tmp-PID-N`, `last.h5.tmp-PID`, the write probe): those whose process no longer
    /// runs. Files of a live process (another `zoo` writing into the same folder) are left alone.
    /// - Returns: the names removed.
    @discardableResult
    public func removeStaleTemporaries() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var removed: [String] = []
        for name in names {
            guard let owner = RunDirectory.temporaryOwner(name), owner != getpid(),
                  kill(owner, 0) != 0 && errno == ESRCH else { continue }
            if (try? FileManager.default.removeItem(atPath: path + "/" + name)) != nil { removed.append(name) }
        }
        return removed
    }

    /// The process id in a temporary file name written by zoo (`….tmp-PID…` or `.write-test-PID`), or nil
    /// for any other name.
    public static func temporaryOwner(_ name: String) -> pid_t? {
        for marker in [".tmp-", ".write-test-"] {
            guard let range = name.range(of: marker) else { continue }
            if marker == ".write-test-" && range.lowerBound != name.startIndex { continue }
            let digits = name[range.upperBound...].prefix { $0.isNumber }
            if !digits.isEmpty, let pid = pid_t(digits) { return pid }
        }
        return nil
    }
}

/// A run folder that cannot be used: `file` is the folder or the file in it, `message` what went wrong.
public typealias RunDirectoryError = FileError<RunDirectoryErrorKind>

/// Tells `RunDirectoryError` apart from the other `FileError`s.
public enum RunDirectoryErrorKind {}
