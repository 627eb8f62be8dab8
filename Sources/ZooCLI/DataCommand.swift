// `zoo data import|info|preview` (and `generate`, in DataGenerate.swift): making and inspecting clip stores.
import ArgumentParser
import Foundation
import ZooCore

extension ImportFormat: ExpressibleByArgument {}
extension ResizeMode: ExpressibleByArgument {}

/// `zoo data`: the clip-store commands.
public struct DataCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Make and inspect prepared clip stores (HDF5 files of uint8 frames).",
        subcommands: [DataGenerate.self, Import.self, Info.self, Preview.self])
    public init() {}

    /// `zoo data import`.
    public struct Import: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import PNG folders, Cityscapes sequences, HDF5 arrays or video files into a clip store.",
            discussion: """
                Formats (detected when --format is not given):
                  png-folders  one folder of numbered PNG frames per sequence (BAIR, KTH layouts)
                  cityscapes   leftImg8bit_sequence/{train,val,test}/CITY/CITY_SEQ_FRAME_leftImg8bit.png, \
                30-frame snippets
                  hdf5         uint8 arrays [N, T, H, W, C] or [N, T, H, W]; datasets named train/test/val \
                become splits
                  video        mp4, avi, ... (one sequence per file), decoded with ffmpeg
                Splits come from train/test/val folders (or dataset names), else from KTH person numbers \
                (person01...), else a seeded split (--test-fraction, --seed). Frames are made --size square: \
                short side resized then centre-cropped (--resize crop), or both sides resized (stretch, the \
                default for KTH as in the reference code), with Pillow's bilinear filter. The store is \
                written to a temporary file and renamed when complete.
                """)

        @Argument(help: "The source: a folder, an .h5 file or a video file.")
        public var source: String

        @Option(help: "Source format (png-folders, cityscapes, hdf5, video); detected when omitted.")
        public var format: ImportFormat?

        @Option(help: "The clip store to write (.h5).")
        public var out: String

        @Option(help: "Side of the square frames in the store.")
        public var size: Int = 64

        @Option(help: "Channels in the store: 1 (gray, PIL 'L') or 3; default: the source's (1 for KTH).")
        public var channels: Int?

        @Option(help: "Minimum frames per sequence: shorter sequences are an error (see --skip-short).")
        public var clipLength: Int = 20

        @Option(help: "crop (short side, then centre crop) or stretch; default stretch for KTH, else crop.")
        public var resize: ResizeMode?

        @Option(help: "Fraction of sequences in the test split when the source has no split of its own.")
        public var testFraction: Double = 0.1

        @Option(help: "Seed of that split.")
        public var seed: UInt64 = 0

        @Option(help: "HDF5 sources: the dataset to import.")
        public var dataset: String?

        @Option(help: "Cityscapes: frames per snippet.")
        public var snippetLength: Int = 30

        @Option(help: "The ffmpeg executable (default: $ZOO_FFMPEG, then ffmpeg on PATH).")
        public var ffmpeg: String?

        @Option(help: "gzip level for the stored frames, 0 for none.")
        public var gzip: Int = 4

        @Flag(help: "Leave out sequences shorter than --clip-length instead of stopping.")
        public var skipShort = false

        @Flag(help: "Replace an existing store.")
        public var force = false

        @Flag(help: "No progress on stderr.")
        public var quiet = false

        public init() {}

        public func validate() throws {
            guard size > 0 else { throw ValidationError("--size must be positive, got \(size)") }
            if let channels, channels != 1 && channels != 3 {
                throw ValidationError("--channels must be 1 or 3, got \(channels)")
            }
            guard clipLength >= 1 else { throw ValidationError("--clip-length must be at least 1") }
            guard (0...9).contains(gzip) else { throw ValidationError("--gzip must be 0 (none) to 9") }
            guard (0..<1).contains(testFraction) else { throw ValidationError("--test-fraction must be in [0, 1)") }
            guard snippetLength >= 1 else { throw ValidationError("--snippet-length must be at least 1") }
        }

        /// The library options these flags stand for.
        public var options: ImportOptions {
            var o = ImportOptions()
            o.format = format
            o.size = size
            o.channels = channels
            o.clipLength = clipLength
            o.resize = resize
            o.testFraction = testFraction
            o.seed = seed
            o.hdf5Dataset = dataset
            o.snippetLength = snippetLength
            o.ffmpegPath = ffmpeg
            o.gzipLevel = gzip == 0 ? nil : gzip
            o.skipShort = skipShort
            o.overwrite = force
            return o
        }

        public func run() throws {
            let start = Date()
            let terminal = isatty(2) != 0
            var lastDraw = Date.distantPast
            let report = try DataImporter.importData(from: source, to: out, options: options) { p in
                guard !quiet, terminal, p.sequencesDone == p.sequenceCount || Date().timeIntervalSince(lastDraw) > 0.1
                else { return }
                lastDraw = Date()
                FileHandle.standardError.write(Data("\rimporting \(p.sequencesDone)/\(p.sequenceCount) sequences, \(p.framesDone) frames   ".utf8))
            }
            if !quiet && terminal { FileHandle.standardError.write(Data("\n".utf8)) }
            let m = report.metadata
            let splits = report.sequenceCounts.keys.sorted().map {
                "\($0) \(report.sequenceCounts[$0]!) sequences / \(report.frameCounts[$0]!) frames"
            }
            print("wrote \(out) (\(report.format.rawValue), \(m.height)x\(m.width)x\(m.channels), \(m.resize)): "
                  + splits.joined(separator: ", ") + String(format: ", %.1f s", Date().timeIntervalSince(start)))
            if !quiet {
                for line in report.notes { note("note: \(line)") }
                for line in report.skipped { note("skipped: \(line)") }
            }
        }
    }
}
