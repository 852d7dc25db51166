// CrowdProbe: process-level benchmarks for issue 10. The bot runs as its own process (`lapak run`, the
// release binary), the Bot API emulator as another (`lapak emulator`), on 127.0.0.1 only; simulated
// citizens act through the emulator's control API. See Benchmarks/README.md, "Crowd probe".
//
//   cd Benchmarks && swift run -c release CrowdProbe --scenario burst|faults|broadcast|crash [--strict]
//
// Prints a report for people, then one JSON line. Exit status: 0; 1 when --strict and a target was
// missed; 2 when the probe itself failed; 64 on a wrong command line.
import Foundation

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
let options: ProbeOptions
do {
    options = try ProbeOptions.parse(Array(CommandLine.arguments.dropFirst()), packageRoot: packageRoot)
} catch let error as UsageError {
    FileHandle.standardError.write(Data(((error.message.map { "CrowdProbe: \($0)\n" } ?? "") + ProbeOptions.usage + "\n").utf8))
    exit(error.message == nil ? 0 : 64)
}
exit(await CrowdProbe.run(options))
