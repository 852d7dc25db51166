import Foundation
import LapakBot
import LapakRegistry
import Testing

/// The `halal:` section of config/lapak.yaml: defaults, environment overrides, refusals that name the setting.
@Suite("Configuration of the halal certificate programme")
struct HalalConfigurationTests {
    @Test("The shipped defaults: 15 a year, 6 months registered, the food kinds, a reminder 60 days ahead")
    func defaults() async throws {
        let settings = try await LapakConfiguration.load(environment: [:], requireToken: false)
        #expect(settings.halal.quota == 15)
        #expect(settings.halal.minMonthsRegistered == 6)
        #expect(settings.halal.reminderDays == 60)
        #expect(settings.halal.foodKinds == ["katering", "warung-makan", "kue", "minuman", "bakso-mie", "ikan"])
    }

    @Test("Environment variables override the file")
    func overrides() async throws {
        let settings = try await LapakConfiguration.load(environment: [
            "LAPAK_HALAL_QUOTA": "20", "LAPAK_HALAL_MIN_MONTHS_REGISTERED": "12", "LAPAK_HALAL_FOOD_KINDS": "kue, katering",
        ], requireToken: false)
        #expect(settings.halal.quota == 20 && settings.halal.minMonthsRegistered == 12 && settings.halal.foodKinds == ["kue", "katering"])
    }

    @Test("A wrong value is refused with the setting and its variable named",
          arguments: [("LAPAK_HALAL_QUOTA", "lima belas"), ("LAPAK_HALAL_QUOTA", "-1"), ("LAPAK_HALAL_MIN_MONTHS_REGISTERED", "999"),
                      ("LAPAK_HALAL_FOOD_KINDS", "Kue Basah"), ("LAPAK_HALAL_FOOD_KINDS", " , ")])
    func refused(variable: String, value: String) async throws {
        let error = await #expect(throws: ConfigurationError.self) {
            try await LapakConfiguration.load(environment: [variable: value], requireToken: false)
        }
        #expect(error?.description.contains(variable) == true, "\(String(describing: error))")
    }
}
