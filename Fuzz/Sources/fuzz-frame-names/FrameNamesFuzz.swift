// The frame-folder name parser of `zoo data import`: frame numbers, natural order, sequence folders and
// Cityscapes `city_seq_frame_leftImg8bit.png` names. Input: relative file paths, one per line; each becomes a
// small valid PNG in a scratch folder, which is then imported the way `zoo data import` does it.
import Foundation
import FuzzSupport
import ZooCore

/// A valid 2x2 grey PNG written for every listed file, so that only the names vary.
let framePNG: Data = try! PNGImage(width: 2, height: 2, channels: 1, pixels: [0, 64, 128, 255]).encoded()

/// Makes the scratch folder before the first input, so that libFuzzer's leak check does not count it.
@_cdecl("LLVMFuzzerInitialize")
public func initializeFrameNames(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    _ = scratchFolder
    _ = framePNG
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameNames(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let root = scratchFolder + "/frames"
    let store = scratchFolder + "/store.h5"
    let fm = FileManager.default
    try? fm.removeItem(atPath: root)
    try! fm.createDirectory(atPath: root, withIntermediateDirectories: true)
    let text = String(decoding: inputBytes(data, size), as: UTF8.self)
    for line in text.split(separator: "\n").prefix(32) {
        let parts = line.split(separator: "/").map(String.init)
            .filter { !$0.isEmpty && $0 != "." && $0 != ".." && !$0.contains("\0") && $0.utf8.count <= 200 }
        guard !parts.isEmpty, parts.count <= 6 else { continue }
        let folder = ([root] + parts.dropLast()).joined(separator: "/")
        do { try fm.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch { continue }
        var isFolder: ObjCBool = false
        let file = folder + "/" + parts.last!
        if fm.fileExists(atPath: file, isDirectory: &isFolder) { continue }
        fm.createFile(atPath: file, contents: framePNG)
    }
    var options = ImportOptions()
    options.size = 4
    options.clipLength = 1
    options.snippetLength = 2
    options.gzipLevel = nil
    options.overwrite = true
    do {
        _ = try DataImporter.detectFormat(source: root)
        let report = try DataImporter.importData(from: root, to: store, options: options)
        let opened = try ClipStore(path: store)
        let sequences = opened.splits.values.reduce(0) { $0 + $1.sequenceCount }
        precondition(sequences == report.sequenceCounts.values.reduce(0, +),
                     "store holds \(sequences) sequences, the report says \(report.sequenceCounts)")
    } catch {
        requireNamed(error, file: scratchFolder, surface: "DataImporter")
    }
    return 0
}
