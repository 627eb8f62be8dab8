// What an import takes (source format, frame size, channels, clip length, splits) and what it reports.

import Foundation
import ZooTensor

/// The kinds of source `DataImporter` reads.
public enum ImportFormat: String, CaseIterable, Sendable {
    /// Folders of numbered PNG frames, one folder per sequence (preprocessed BAIR and KTH layouts).
    case pngFolders = "png-folders"
    /// Cityscapes `leftImg8bit_sequence`: `city_seq_frame_leftImg8bit.png`, 30-frame snippets.
    case cityscapes
    /// An HDF5 file of uint8 arrays `[N, T, H, W, C]` or `[N, T, H, W]`.
    case hdf5
    /// Video files (mp4, avi, ...) decoded by ffmpeg; one file per sequence.
    case video
}

/// A bad source: names the offending file or folder and says what is wrong with it and, where possible,
/// what to do.
public typealias ImportError = FileError<ImportErrorKind>

/// Tells `ImportError` apart from the other `FileError`s.
public enum ImportErrorKind {}

/// Settings of one import.
public struct ImportOptions: Sendable {
    /// The source format; nil detects it from the source (see `DataImporter.detectFormat`).
    public var format: ImportFormat?
    /// Side of the square frames in the store.
    public var size = 64
    /// Channels in the store (1 or 3); nil keeps the source's (gray stays 1, colour 3; KTH gives 1).
    public var channels: Int?
    /// Minimum frames per sequence; shorter sequences are an error (or skipped with `skipShort`).
    public var clipLength = 20
    /// How frames are fitted to `size × size`; nil picks `.stretch` for KTH (as the reference) and
    /// `.crop` otherwise.
    public var resize: ResizeMode?
    /// Leave out sequences shorter than `clipLength` (listed in the report) instead of failing.
    public var skipShort = false
    /// Fraction of sequences in "test" when the source has no split of its own.
    public var testFraction = 0.1
    /// Seed of that split.
    public var seed: UInt64 = 0
    /// Frames per Cityscapes snippet.
    public var snippetLength = 30
    /// For HDF5 sources: the dataset to read (nil: "train"/"test"/"val" datasets, or the only one).
    public var hdf5Dataset: String?
    /// The ffmpeg executable (nil: `$ZOO_FFMPEG`, then `ffmpeg` on `PATH`). ffprobe is looked for next
    /// to it (or `$ZOO_FFPROBE`, then `PATH`).
    public var ffmpegPath: String?
    /// Deflate level for the stored frames (nil: uncompressed).
    public var gzipLevel: Int? = 4
    /// Replace an existing store at the destination.
    public var overwrite = false

    /// Creates options with the defaults above.
    public init() {}
}

/// What an import did.
public struct ImportReport: Sendable, Equatable {
    /// The store written.
    public var storePath: String
    /// The format that was read (detected or given).
    public var format: ImportFormat
    /// Sequences per split.
    public var sequenceCounts: [String: Int]
    /// Frames per split.
    public var frameCounts: [String: Int]
    /// Sequences left out with the reason (only with `skipShort`).
    public var skipped: [String]
    /// Things worth knowing (16-bit frames converted, alpha dropped, split rule chosen, ...).
    public var notes: [String]
    /// The store's metadata.
    public var metadata: ClipStoreMetadata
}

/// Where a planned sequence's frames come from.
enum FrameSource: Sendable {
    /// PNG files in frame order.
    case pngFiles([String])
    /// Row `index` of an HDF5 dataset `[N, T, H, W(, C)]`.
    case hdf5(file: String, dataset: String, index: Int)
    /// A video file decoded by ffmpeg.
    case video(String)
    /// Frames `start ..< start + count` (0-based) of a video file (a KTH sub-sequence of `00sequences.txt`).
    case videoRange(String, start: Int, count: Int)
}

/// One sequence to import.
struct PlannedSequence: Sendable {
    /// Store name: the path relative to the source (plus a snippet or row suffix).
    var name: String
    /// The split the source puts it in, or nil when the source has none.
    var split: String?
    /// The file or folder named in errors about the sequence.
    var origin: String
    /// Where the frames are.
    var frames: FrameSource
    /// Frame count when known before decoding (PNG files, HDF5 rows).
    var knownLength: Int?
}

/// Natural ordering for frame and folder names: digit runs compare as numbers.
func naturalLess(_ a: String, _ b: String) -> Bool {
    a.compare(b, options: [.numeric]) == .orderedAscending
}

/// The number in a frame's file name (the last run of digits in the name without its extension).
func frameNumber(of fileName: String) -> Int? {
    let stem = (fileName as NSString).deletingPathExtension
    guard let last = stem.lastIndex(where: { $0.isASCII && $0.isNumber }) else { return nil }
    var first = last
    while first > stem.startIndex {
        let before = stem.index(before: first)
        guard stem[before].isASCII && stem[before].isNumber else { break }
        first = before
    }
    return Int(stem[first...last].suffix(18))
}
