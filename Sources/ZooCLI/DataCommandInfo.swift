// `zoo data info STORE` and `zoo data preview STORE --out sheet.png`.
import ArgumentParser
import Foundation
import ZooCore

/// What `zoo data info --json` prints.
public struct StoreSummary: Codable, Equatable {
    /// One split's counts.
    public struct Split: Codable, Equatable {
        public var name: String
        public var sequences: Int
        public var frames: Int
        public var shortestSequence: Int
        public var longestSequence: Int
        public var minValue: Int
        public var maxValue: Int
        public var evalStartFrame: Int
        public var megabytes: Double
    }
    public var path: String
    public var source: String
    public var sourceFormat: String
    public var height: Int
    public var width: Int
    public var channels: Int
    public var clipLength: Int
    public var evalSplit: String
    public var splitRule: String
    public var resize: String
    public var fileMegabytes: Double
    public var splits: [Split]

    /// Reads the summary of a store; value ranges missing from the attributes are computed by scanning.
    public static func gather(path: String) throws -> StoreSummary {
        let store = try ClipStore(path: path)
        let m = store.metadata
        var splits: [Split] = []
        for name in store.splitNames {
            let index = store.splits[name]!
            var range = index.valueRange
            if range == nil {
                let frames = try store.loadSplit(name).frames
                range = Int(frames.min() ?? 0)...Int(frames.max() ?? 0)
            }
            splits.append(Split(name: name, sequences: index.sequenceCount, frames: index.frameCount,
                                shortestSequence: index.lengths.min() ?? 0, longestSequence: index.lengths.max() ?? 0,
                                minValue: range!.lowerBound, maxValue: range!.upperBound,
                                evalStartFrame: index.evalStartFrame, megabytes: Double(index.byteCount) / 1e6))
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return StoreSummary(path: path, source: m.source, sourceFormat: m.sourceFormat, height: m.height, width: m.width,
                            channels: m.channels, clipLength: m.clipLength, evalSplit: m.evalSplit,
                            splitRule: m.splitRule, resize: m.resize, fileMegabytes: Double(bytes) / 1e6, splits: splits)
    }

    /// Aligned lines for people.
    public func text() -> String {
        var lines = [
            "store        \(path) (\(String(format: "%.1f", fileMegabytes)) MB on disk)",
            "source       \(source) (\(sourceFormat))",
            "frames       \(height)x\(width), \(channels) channel\(channels == 1 ? "" : "s"), uint8, resize \(resize)",
            "clip length  \(clipLength) (every sequence has at least this many frames)",
            "splits       \(splitRule); evaluation uses \(evalSplit)",
        ]
        for s in splits {
            let lengths = s.shortestSequence == s.longestSequence ? "\(s.shortestSequence)"
                                                                  : "\(s.shortestSequence)-\(s.longestSequence)"
            lines.append("  \(s.name.padding(toLength: 6, withPad: " ", startingAt: 0)) \(s.sequences) sequences, "
                         + "\(s.frames) frames (\(lengths) per sequence), values \(s.minValue)-\(s.maxValue), "
                         + String(format: "%.1f MB", s.megabytes)
                         + (s.evalStartFrame > 0 ? ", eval clips start at frame \(s.evalStartFrame)" : ""))
        }
        return lines.joined(separator: "\n")
    }
}

extension DataCommand {
    /// `zoo data info`.
    public struct Info: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "info",
            abstract: "Show a clip store's source, resolution, splits, sequence and frame counts, and value range.")

        @Argument(help: "The clip store (.h5).")
        public var store: String

        @Flag(help: "Print the summary as JSON.")
        public var json = false

        public init() {}

        public func run() throws {
            let summary = try StoreSummary.gather(path: store)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            } else {
                print(summary.text())
            }
        }
    }

    /// `zoo data preview`.
    public struct Preview: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "preview",
            abstract: "Write a PNG contact sheet of a few clips (rows) and their frames (columns).",
            discussion: "Clips are spread evenly over the split's sequences; frames start at --start, every --stride.")

        @Argument(help: "The clip store (.h5).")
        public var store: String

        @Option(help: "The PNG to write.")
        public var out: String

        @Option(help: "Number of clips (rows).")
        public var clips: Int = 4

        @Option(help: "Frames per clip (columns).")
        public var frames: Int = 8

        @Option(help: "Split to show (default: the store's evaluation split).")
        public var split: String?

        @Option(help: "First frame shown.")
        public var start: Int = 0

        @Option(help: "Show every k-th frame.")
        public var stride: Int = 1

        @Option(help: "Integer magnification.")
        public var scale: Int = 1

        public init() {}

        public func validate() throws {
            guard clips >= 1, frames >= 1, start >= 0, stride >= 1, (1...16).contains(scale) else {
                throw ValidationError("--clips and --frames must be ≥ 1, --start ≥ 0, --stride ≥ 1, --scale 1-16")
            }
        }

        /// Rows and columns that fit the split: evenly spaced sequences and frame indices they all hold.
        static func layout(lengths: [Int], clips: Int, frames: Int, start: Int, stride: Int) -> (rows: [Int], columns: [Int]) {
            let count = min(clips, lengths.count)
            let rows = (0..<count).map { $0 * lengths.count / count }
            let shortest = rows.map { lengths[$0] }.min() ?? 0
            let columns = (0..<frames).map { start + $0 * stride }.filter { $0 < shortest }
            return (rows, columns)
        }

        public func run() throws {
            let clipStore = try ClipStore(path: store)
            let name = split ?? (clipStore.splits[clipStore.metadata.evalSplit] != nil ? clipStore.metadata.evalSplit
                                                                                        : clipStore.splitNames[0])
            let source = try clipStore.split(name)
            let (rows, columns) = Preview.layout(lengths: source.index.lengths, clips: clips, frames: frames,
                                                 start: start, stride: stride)
            guard !columns.isEmpty else {
                throw ZooError("\(store): split \(name) has no frame \(start) in the chosen sequences; lower --start")
            }
            let sheet = try VideoContactSheet.make(source: source, sequences: rows, frames: columns, scale: scale)
            try sheet.write(to: out)
            print("wrote \(out): \(rows.count) clips x \(columns.count) frames of split \(name) "
                  + "(\(sheet.width)x\(sheet.height) pixels)")
        }
    }
}
