// Inputs the fuzz targets in Fuzz/ found crashing the readers (docs/fuzzing.md): each now gives an error that
// names the file and says what is wrong. The files are the fuzzers' own outputs, kept as they were found.

import Foundation
import Testing
@testable import ZooData
@testable import ZooRuntime

private func fuzzInput(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("fuzz/\(name)").path
}

/// Reads a checkpoint that once crashed the reader; it must throw `unreadable` naming the file, with `reason`.
private func expectUnreadableCheckpoint(_ name: String, reason: String) {
    let path = fuzzInput(name)
    do {
        _ = try Checkpoint.read(from: path)
        Issue.record("\(name) was read as a checkpoint")
    } catch let error as CheckpointError {
        guard case .unreadable(let file, let message) = error else {
            Issue.record("\(name): expected .unreadable, got \(error)")
            return
        }
        #expect(file == path)
        #expect(message.contains(reason), "\(name): \(message)")
        #expect(error.description.contains(path))
    } catch {
        Issue.record("\(name): expected a CheckpointError, got \(error)")
    }
}

@Suite struct FuzzRegressionTests {
    /// A dataset size of 2^63 or more trapped when converted to Int (in `HDF5Dataset.shape`).
    @Test func checkpointSizeBeyondInt() {
        expectUnreadableCheckpoint("checkpoint-size-beyond-int.h5", reason: "beyond 2^63")
    }

    /// Dataset sizes whose product overflowed trapped in the element count of `HDF5Dataset.read`.
    @Test func checkpointShapeOverflow() {
        expectUnreadableCheckpoint("checkpoint-shape-overflow.h5", reason: "overflows")
    }

    /// A dataset claiming far more bytes than the file holds asked Swift for an allocation of that size.
    @Test func checkpointHugeDataset() {
        expectUnreadableCheckpoint("checkpoint-huge-dataset.h5", reason: "can hold")
        expectUnreadableCheckpoint("checkpoint-large-dataset.h5", reason: "can hold")
    }

    /// A shape whose byte count overflows (one size near 2^56) kept libhdf5 reading (`H5Dread` →
    /// `H5D__select_read`) past the fuzzer's time limit; the extent check now refuses it before the read.
    @Test func checkpointReadBeyondFile() {
        expectUnreadableCheckpoint("checkpoint-read-beyond-file.h5", reason: "overflows")
    }

    /// A damaged object header makes libhdf5 ask malloc for about 2^64 bytes while opening the file (reported
    /// by AddressSanitizer in H5C_protect); malloc's refusal must end in an error, not a crash.
    @Test func checkpointHDF5HugeHeader() {
        expectUnreadableCheckpoint("checkpoint-hdf5-huge-header.h5", reason: "memory allocation failed")
    }

    /// The clip-store reader met the same huge dataset when it read a split's index.
    @Test func clipStoreHugeDataset() {
        let path = fuzzInput("clipstore-huge-dataset.h5")
        do {
            _ = try ClipStore(path: path)
            Issue.record("the damaged store opened")
        } catch let error as ClipStoreError {
            #expect(error.file == path)
            #expect(error.message.contains("can hold"), "\(error)")
        } catch {
            Issue.record("expected a ClipStoreError, got \(error)")
        }
    }
}
