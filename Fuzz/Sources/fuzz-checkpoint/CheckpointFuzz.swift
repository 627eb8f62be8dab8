// The checkpoint reader, as `zoo sample|eval|train --resume` use it: read the HDF5 checkpoint, rebuild the
// model from its stored config, load the parameters with their shape checks.
import Foundation
import FuzzSupport
import ModelZoo
import ZooCore

/// With `ZOO_FUZZ_WRITE_SEEDS=FOLDER`: writes the seed corpus (a checkpoint of every model's `tiny` preset that
/// stays under 40 kB, freshly built from its seed, as `zoo train` writes them) and exits.
@_cdecl("LLVMFuzzerInitialize")
public func initializeCheckpoint(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    _ = scratchFolder   // made before the first input, outside libFuzzer's leak check
    guard let folder = seedFolderRequest else { return 0 }
    for entry in defaultRegistry.all {
        let preset = "tiny"
        var rng = RandomGenerator(seed: 7)
        guard let model = try? entry.make(preset, &rng) else { continue }
        let path = folder + "/\(entry.name)-\(preset).h5"
        try! Checkpoint.capture(model, preset: preset, step: 1, seed: 7).write(to: path)
        let size = (try! FileManager.default.attributesOfItem(atPath: path)[.size] as! NSNumber).intValue
        if size > 40_000 { try! FileManager.default.removeItem(atPath: path) }
        print("\(path): \(size) bytes\(size > 40_000 ? " (too large, left out)" : "")")
        fflush(stdout)
    }
    exit(0)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = writeScratch(data, size, name: "input.h5")
    do {
        let header = try Checkpoint.readHeader(from: path)
        _ = header.trainingSettings()
    } catch {
        requireNamed(error, file: path, surface: "Checkpoint.readHeader")
    }
    let checkpoint: Checkpoint
    do { checkpoint = try Checkpoint.read(from: path) } catch {
        requireNamed(error, file: path, surface: "Checkpoint.read")
        return 0
    }
    for (name, t) in checkpoint.parameters {
        precondition(t.shape.reduce(1, *) == t.count, "\(name): shape \(t.shape) with \(t.count) values")
    }
    for strict in [true, false] {
        do {
            _ = try defaultRegistry.model(from: checkpoint, file: path, strict: strict, useEMA: true)
        } catch let error as PredictorError {
            _ = error   // an unknown model name: the registry's own message
        } catch {
            requireNamed(error, file: path, surface: "ModelRegistry.model(from:)")
        }
    }
    return 0
}
