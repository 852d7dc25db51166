/// A point on the map, possibly live (moving, updated by edits).
public struct Location: JSONCodable, Hashable {
    public var latitude: Double
    public var longitude: Double
    /// Radius of uncertainty in metres, 0...1500.
    public var horizontalAccuracy: Double?
    /// For live locations: how long, in seconds, the location is shared from the message date.
    public var livePeriod: Int?
    /// For live locations: direction of movement in degrees, 1...360.
    public var heading: Int?
    public var proximityAlertRadius: Int?

    public init(latitude: Double, longitude: Double, horizontalAccuracy: Double? = nil, livePeriod: Int? = nil,
                heading: Int? = nil, proximityAlertRadius: Int? = nil) {
        self.latitude = latitude
        self.longitude = longitude
        self.horizontalAccuracy = horizontalAccuracy
        self.livePeriod = livePeriod
        self.heading = heading
        self.proximityAlertRadius = proximityAlertRadius
    }

    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFieldReader(json, type: "Location")
        latitude = try fields.double("latitude")
        longitude = try fields.double("longitude")
        horizontalAccuracy = try fields.optionalDouble("horizontal_accuracy")
        livePeriod = try fields.optionalInt("live_period")
        heading = try fields.optionalInt("heading")
        proximityAlertRadius = try fields.optionalInt("proximity_alert_radius")
    }

    public var json: JSONValue {
        var object = JSONObjectBuilder()
        object.set("latitude", latitude)
        object.set("longitude", longitude)
        object.set("horizontal_accuracy", horizontalAccuracy)
        object.set("live_period", livePeriod)
        object.set("heading", heading)
        object.set("proximity_alert_radius", proximityAlertRadius)
        return object.json
    }

    /// Whether this location is (still) a live one.
    public var isLive: Bool { livePeriod != nil }
}

/// A phone contact shared in a chat.
public struct Contact: JSONCodable, Hashable {
    public var phoneNumber: String
    public var firstName: String
    public var lastName: String?
    /// The Telegram user this contact belongs to, when Telegram knows it; equal to the sender for "share my phone".
    public var userID: Int64?
    public var vcard: String?

    public init(phoneNumber: String, firstName: String, lastName: String? = nil, userID: Int64? = nil, vcard: String? = nil) {
        self.phoneNumber = phoneNumber
        self.firstName = firstName
        self.lastName = lastName
        self.userID = userID
        self.vcard = vcard
    }

    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFieldReader(json, type: "Contact")
        phoneNumber = try fields.string("phone_number")
        firstName = try fields.string("first_name")
        lastName = try fields.optionalString("last_name")
        userID = try fields.optionalInt64("user_id")
        vcard = try fields.optionalString("vcard")
    }

    public var json: JSONValue {
        var object = JSONObjectBuilder()
        object.set("phone_number", phoneNumber)
        object.set("first_name", firstName)
        object.set("last_name", lastName)
        object.set("user_id", userID)
        object.set("vcard", vcard)
        return object.json
    }
}

/// A named place: a location with a title and an address.
public struct Venue: JSONCodable, Hashable {
    public var location: Location
    public var title: String
    public var address: String
    public var foursquareID: String?
    public var googlePlaceID: String?

    public init(location: Location, title: String, address: String, foursquareID: String? = nil, googlePlaceID: String? = nil) {
        self.location = location
        self.title = title
        self.address = address
        self.foursquareID = foursquareID
        self.googlePlaceID = googlePlaceID
    }

    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFieldReader(json, type: "Venue")
        location = try fields.decode("location")
        title = try fields.string("title")
        address = try fields.string("address")
        foursquareID = try fields.optionalString("foursquare_id")
        googlePlaceID = try fields.optionalString("google_place_id")
    }

    public var json: JSONValue {
        var object = JSONObjectBuilder()
        object.set("location", location)
        object.set("title", title)
        object.set("address", address)
        object.set("foursquare_id", foursquareID)
        object.set("google_place_id", googlePlaceID)
        return object.json
    }
}
