// Parsing and validation of the model commands (list, info, train, eval, sample, compare), and the
// bad-input paths of train that must leave existing runs untouched.
import ArgumentParser
import Foundation
import Testing
@testable import ZooCLI
import ZooCore

@Suite struct ModelCommandParsing {
    @Test func trainDefaults() throws {
        let train = try #require(try Zoo.parseAsRoot(["train", "convgru"]) as? Zoo.Train)
        #expect(train.model == "convgru" && train.preset == nil && train.steps == nil && train.seed == 0)
        #expect(!train.resume && train.dataOptions.data == nil && train.dataOptions.spec() == .flow)
        #expect(train.outputPath == "runs/convgru-cpu")
    }

    @Test func trainFlags() throws {
        let train = try #require(try Zoo.parseAsRoot([
            "train", "convgru", "--preset", "tiny", "--data", "shapes", "--steps", "12", "--seed", "5", "--out", "r",
            "--resume", "--batch-size", "3", "--lr", "0.01", "--checkpoint-every", "4", "--eval-every", "6",
            "--minutes", "1.5", "--quiet", "--json",
        ]) as? Zoo.Train)
        #expect(train.preset == "tiny" && train.dataOptions.spec() == .shapes && train.steps == 12 && train.seed == 5)
        #expect(train.outputPath == "r" && train.resume && train.batchSize == 3 && train.lr == 0.01)
        #expect(train.checkpointEvery == 4 && train.evalEvery == 6 && train.minutes == 1.5)
        #expect(train.output.quiet && train.output.json)
    }

    @Test func otherCommandsParse() throws {
        let eval = try #require(try Zoo.parseAsRoot(["eval", "--checkpoint", "/", "--samples", "3", "--clips", "2",
                                                     "--json", "--raw-weights", "--non-strict"]) as? Zoo.Eval)
        #expect(eval.evaluation.samples == 3 && eval.evaluation.clips == 2 && eval.output.json && eval.rawWeights)
        #expect(eval.evaluation.settings == EvaluationSettings(clips: 2, samples: 3, seed: 0, batchSize: 8))
        let sample = try #require(try Zoo.parseAsRoot(["sample", "--checkpoint", "/", "--context", "/", "--frames", "5",
                                                       "--samples", "2", "--out", "o"]) as? Zoo.Sample)
        #expect(sample.frames == 5 && sample.samples == 2 && sample.out == "o")
        let compare = try #require(try Zoo.parseAsRoot(["compare", "--models", "convgru:tiny,copy-last:tiny",
                                                        "--steps", "3"]) as? Zoo.Compare)
        #expect(compare.modelSpecs.map(\.name) == ["convgru", "copy-last"])
        #expect(compare.modelSpecs.map(\.preset) == ["tiny", "tiny"] && compare.steps == 3 && compare.out == "runs/compare")
        let info = try #require(try Zoo.parseAsRoot(["info", "convgru", "--preset", "tiny"]) as? Zoo.Info)
        #expect(info.preset == "tiny")
        _ = try #require(try Zoo.parseAsRoot(["list", "--json"]) as? Zoo.List)
    }

    @Test(arguments: [
        (["train", "no-such-model"], "unknown model 'no-such-model'"),
        (["train", "convgrue"], "Did you mean 'convgru'?"),
        (["train", "convgru", "--preset", "huge"], "has no preset 'huge'. Presets: cpu, tiny"),
        (["train", "convgru", "--steps=-1"], "--steps must be ≥ 0"),
        (["train", "convgru", "--lr", "0"], "--lr must be a positive number"),
        (["train", "convgru", "--batch-size", "0"], "--batch-size must be ≥ 1"),
        (["train", "convgru", "--data", "/no/such/store.h5"], "--data /no/such/store.h5: no such file"),
        (["info", "nope"], "unknown model 'nope'"),
        (["eval", "--checkpoint", "/no/such.h5"], "--checkpoint /no/such.h5: no such file"),
        (["eval", "--checkpoint", "/", "--samples", "0"], "--samples must be at least 1"),
        (["sample", "--checkpoint", "/", "--context", "/no/such", "--out", "o"], "--context /no/such: no such file"),
        (["compare"], "give --models"),
        (["compare", "--models", "convgru,nope"], "unknown model 'nope'"),
        (["compare", "--runs", "/no/run"], "--runs /no/run: no last.h5"),
    ])
    func mistakesAreRejectedWithAMessage(arguments: [String], message: String) {
        do {
            _ = try Zoo.parseAsRoot(arguments)
            Issue.record("\(arguments) parsed")
        } catch {
            let text = Zoo.message(for: error)
            #expect(text.contains(message), "\(arguments): \(text)")
            #expect(Zoo.exitCode(for: error) != .success)
        }
    }

    /// The README's main command: `rvd` is registered, so `zoo train rvd` parses (parsing checks the name
    /// against the registry, as the unknown name below shows).
    @Test func trainRVDParses() throws {
        let train = try #require(try Zoo.parseAsRoot(["train", "rvd"]) as? Zoo.Train)
        #expect(train.model == "rvd")
        // An unknown name lists the registered models, rvd among them.
        do {
            _ = try Zoo.parseAsRoot(["train", "no-such-model"])
            Issue.record("zoo train no-such-model parsed")
        } catch {
            let text = Zoo.message(for: error)
            #expect(text.contains("unknown model 'no-such-model'") && text.contains("rvd"), "\(text)")
        }
    }
}
