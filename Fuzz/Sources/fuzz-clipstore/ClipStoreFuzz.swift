// The clip-store reader, as the trainer, evaluator and `zoo data info` use it: open the store (layout and index
// checks), then read windows and whole splits.
import Foundation
import FuzzSupport
import ZooCore

/// Makes the scratch folder before the first input, so that libFuzzer's leak check does not count it.
@_cdecl("LLVMFuzzerInitialize")
public func initializeClipStore(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    _ = scratchFolder
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClipStore(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = writeScratch(data, size, name: "input.h5")
    let store: ClipStore
    do { store = try ClipStore(path: path) } catch {
        requireNamed(error, file: path, surface: "ClipStore.init")
        return 0
    }
    let m = store.metadata
    for split in store.splitNames {
        do {
            let index = try store.index(split: split)
            for sequence in 0..<min(index.sequenceCount, 4) {
                let length = min(index.lengths[sequence], max(m.clipLength, 1), 8)
                let window = try store.readWindow(split: split, sequence: sequence, start: 0, length: length)
                precondition(window.count == length * m.frameByteCount, "window of \(window.count) bytes")
                let last = index.lengths[sequence] - length
                _ = try store.readWindow(split: split, sequence: sequence, start: last, length: length)
            }
            if index.byteCount <= 1 << 22 {
                let all = try store.loadSplit(split)
                precondition(all.frames.count >= index.byteCount, "split \(split): \(all.frames.count) bytes, index says \(index.byteCount)")
                if index.sequenceCount > 0 {
                    _ = all.window(sequence: 0, start: 0, length: min(index.lengths[0], 2))
                }
            }
        } catch {
            requireNamed(error, file: path, surface: "ClipStore read")
        }
    }
    return 0
}
