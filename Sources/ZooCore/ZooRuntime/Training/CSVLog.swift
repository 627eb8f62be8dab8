// metrics.csv: every logged scalar of a run, one row per value, appended as training goes.
//
//     step,elapsed_s,name,value
//     1,0.84,loss,0.4121
//     1,0.84,lr,0.0005
//     250,201.3,eval/crps,6.12
//
// The long format takes any set of names (losses differ by model; evaluation adds its own) and
// survives a resume: rows after the resumed step are dropped first, so a run continued from a
// checkpoint has the same rows as one that never stopped (apart from timings).

import Foundation
import ZooTensor
import ZooNN
import ZooData
import ZooMetrics

/// Appends rows to a run's metrics.csv.
public final class CSVLog {
    /// The header line.
    public static let header = "step,elapsed_s,name,value"
    /// The file's path.
    public let path: String
    private let handle: FileHandle

    /// Opens (creating when missing) the log at `path`. When `truncateAfter` is given, rows of later
    /// steps are removed first (for a resume from that step).
    public init(path: String, truncateAfter step: Int? = nil) throws {
        self.path = path
        let manager = FileManager.default
        if let step, manager.fileExists(atPath: path) {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let kept = text.split(separator: "\n").filter { line in
                guard let first = line.split(separator: ",").first, let s = Int(first) else { return true }
                return s <= step
            }
            try (kept.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        if !manager.fileExists(atPath: path) {
            guard manager.createFile(atPath: path, contents: Data((CSVLog.header + "\n").utf8)) else {
                throw CSVLogError(path: path)
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw CSVLogError(path: path) }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// Appends one row per value.
    /// - Throws: `CSVLogError` naming the file when the rows cannot be written (a full disk).
    public func log(step: Int, elapsed: Double, _ values: [(String, Double)]) throws {
        guard !values.isEmpty else { return }
        var text = ""
        for (name, value) in values {
            text += "\(step),\(String(format: "%.3f", elapsed)),\(CSVLog.escape(name)),\(value)\n"
        }
        do { try handle.write(contentsOf: Data(text.utf8)) } catch {
            throw CSVLogError(path: path, reason: errnoText())
        }
    }

    /// Quotes a field holding a comma or quote.
    static func escape(_ field: String) -> String {
        guard field.contains(",") || field.contains("\"") else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Reads a metrics.csv back as (step, name, value) rows.
    public static func read(path: String) throws -> [(step: Int, name: String, value: Double)] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 4, let step = Int(fields[0]), let value = Double(fields[fields.count - 1]) else {
                return nil
            }
            return (step, fields[2..<(fields.count - 1)].joined(separator: ","), value)
        }
    }
}

/// The metrics file cannot be created or opened.
public struct CSVLogError: Error, CustomStringConvertible {
    /// The file.
    public var path: String
    /// Why, from `errno` when the error was made.
    public var reason: String

    /// `reason` nil: the text of the current `errno`.
    public init(path: String, reason: String? = nil) {
        self.path = path
        self.reason = reason ?? errnoText()
    }

    public var description: String { "\(path): cannot write the metrics log (\(reason))" }
}
