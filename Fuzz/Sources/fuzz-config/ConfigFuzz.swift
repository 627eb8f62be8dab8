// The config JSON decoder: a model's config (as stored in every checkpoint and shown by `zoo info`) turned back
// into a model through the registry. Input: the model name, a newline, the JSON.
import Foundation
import FuzzSupport
import ModelZoo
import ZooCore

/// With `ZOO_FUZZ_WRITE_SEEDS=FOLDER`: writes the seed corpus (the `tiny` and `cpu` presets' configs of every
/// model, where the model has under 100,000 parameters, as `zoo info` and checkpoints store it) and exits.
@_cdecl("LLVMFuzzerInitialize")
public func initializeConfig(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    _ = scratchFolder   // made before the first input, outside libFuzzer's leak check
    guard let folder = seedFolderRequest else { return 0 }
    for entry in defaultRegistry.all {
        for preset in entry.presetNames where preset == "tiny" || preset == "cpu" {
            var rng = RandomGenerator(seed: 7)
            guard let model = try? entry.make(preset, &rng), model.parameterCount < 100_000 else { continue }
            let path = folder + "/\(entry.name)-\(preset).txt"
            FileManager.default.createFile(atPath: path, contents: Data((entry.name + "\n").utf8) + (try! model.configJSON()))
            print("\(path): \(model.parameterCount) parameters")
            fflush(stdout)
        }
    }
    exit(0)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    guard let newline = bytes.firstIndex(of: 10) else { return 0 }
    let name = String(decoding: bytes[..<newline], as: UTF8.self)
    let json = Data(bytes[(newline + 1)...])
    guard let entry = try? defaultRegistry.entry(named: name) else { return 0 }
    var rng = RandomGenerator(seed: 1)
    do {
        let model = try entry.load(json, &rng)
        let contract = model.contract
        precondition(contract.height > 0 && contract.width > 0 && contract.channels > 0,
                     "\(name): built a model with contract \(contract)")
        // What a checkpoint stores must build the same model again.
        let again = try entry.load(try model.configJSON(), &rng)
        precondition(again.parameterCount == model.parameterCount, "\(name): config does not round-trip")
    } catch let error as PredictorError {
        _ = error.description
    } catch {
        fatalError("\(name): config load threw something other than PredictorError: \(error)")
    }
    return 0
}
