import Foundation
import Testing

extension SubprocessTests {
    /// `lapak import` and `lapak export` as the agency runs them: wrong paths fail loudly and leave nothing behind.
    @Suite("lapak import and export")
    struct RegistryCommandLineTests {
        /// A fresh folder for one test's files.
        static func folder() throws -> URL {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return folder
        }

        @Test("`lapak export` against a database that does not exist fails clearly and creates nothing")
        func exportWithoutDatabase() async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            let folder = try Self.folder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let database = folder.appendingPathComponent("missing/lapak.sqlite")
            for format in ["csv", "geojson"] {
                let result = try await CommandLineTests.run(["export", "--format", format], environment: ["LAPAK_DATABASE_PATH": database.path])
                #expect(result.status != 0)
                #expect(result.output.contains("no database at \(database.path)"), "\(result.output)")
            }
            #expect(!FileManager.default.fileExists(atPath: database.deletingLastPathComponent().path))
        }

        @Test("`lapak import` of a missing file says no such file and creates no database")
        func importMissingFile() async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            let folder = try Self.folder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let database = folder.appendingPathComponent("lapak.sqlite")
            let result = try await CommandLineTests.run(["import", folder.appendingPathComponent("registry.csv").path],
                                                  environment: ["LAPAK_DATABASE_PATH": database.path])
            #expect(result.status != 0)
            #expect(result.output.contains("no such file"), "\(result.output)")
            #expect(!FileManager.default.fileExists(atPath: database.path))
        }

        @Test("`lapak export --format geojson` says on stderr how many businesses it left out and why", arguments: BotStoreKind.allCases)
        func geoJSONLeftOut(store kind: BotStoreKind) async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            try await CommandLineStore.with(kind) { store in try await geoJSONLeftOut(environment: store.environment) }
        }

        private func geoJSONLeftOut(environment: [String: String]) async throws {
            let folder = try Self.folder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = folder.appendingPathComponent("sheet.csv")
            try """
                id,name,category,mode,latitude,longitude,kelurahan,address,phone,telegram_id,halal
                A1,Warung,bakso,menetap,0.1335,117.5081,,,,,ya
                A2,Bakso Keliling,bakso,berkeliling,,,,,,,tidak
                A3,Es Keliling,minuman,berkeliling,,,,,,,tidak
                """.write(to: file, atomically: true, encoding: .utf8)
            let imported = try await CommandLineTests.run(["import", file.path], environment: environment)
            #expect(imported.status == 0, "\(imported.output)")
            let map = folder.appendingPathComponent("map.geojson")
            let exported = try await CommandLineTests.run(["export", "--format", "geojson", "-o", map.path], environment: environment)
            #expect(exported.status == 0)
            #expect(exported.output == "lapak: exported 1 of 3 businesses; 2 left out: they have no location, "
                    + "and a GeoJSON feature needs a point (`--format csv` has every row)\n", "\(exported.output)")
            #expect(try String(contentsOf: map, encoding: .utf8).contains("[117.5081,0.1335]"))
        }

        @Test("A semicolon file with a bad row imports the good rows, reports the bad one by line, and exports back",
              arguments: BotStoreKind.allCases)
        func importThenExport(store kind: BotStoreKind) async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            try await CommandLineStore.with(kind) { store in try await importThenExport(environment: store.environment) }
        }

        private func importThenExport(environment: [String: String]) async throws {
            let folder = try Self.folder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = folder.appendingPathComponent("sheet.csv")
            try """
                id;name;category;mode;latitude;longitude;kelurahan;address;phone;telegram_id;halal;catatan
                A1;=Warung;bakso;menetap;0,1335;117,5081;api api;;;;ya;x
                A2;Toko;kelontong;menetap;0,13;117,49;Jakarta;;;;tidak;
                """.write(to: file, atomically: true, encoding: .utf8)
            let imported = try await CommandLineTests.run(["import", file.path], environment: environment)
            #expect(imported.status == 2)
            #expect(imported.output.contains("\(file.path):3: unknown kelurahan 'Jakarta'"), "\(imported.output)")
            #expect(imported.output.contains("warning: column 12 'catatan'"), "\(imported.output)")
            #expect(imported.output.contains("1 inserted"), "\(imported.output)")
            let exported = try await CommandLineTests.run(["export"], environment: environment)
            #expect(exported.status == 0)
            #expect(exported.output.contains("A1,'=Warung,bakso-mie,menetap,0.1335,117.5081,Api-Api,,,,ya,active,ya,imported,"), "\(exported.output)")
        }

        @Test("`lapak backup` and `lapak restore` with database.url set refuse and say how PostgreSQL is backed up")
        func backupOnPostgresRefused() async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            let folder = try Self.folder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let copy = folder.appendingPathComponent("copy.sqlite")
            let environment = ["LAPAK_DATABASE_URL": "postgres://lapak@127.0.0.1:1/lapak", "LAPAK_DATABASE_PATH": folder.appendingPathComponent("lapak.sqlite").path]
            for command in ["backup", "restore"] {
                let result = try await CommandLineTests.run([command, copy.path], environment: environment)
                #expect(result.status != 0)
                #expect(result.output.contains("the registry is in PostgreSQL (database.url is set)") && result.output.contains("pg_dump"), "\(result.output)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty, "nothing written, no SQLite file created")
        }
    }
}
