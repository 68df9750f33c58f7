package cases

// PassportApplication: an application for a passport (docs/LAW.md §5.4). It
// takes no events of its own: the application and collection of the passport
// are the events every situation takes (application.go).
const PassportApplication Situation = "passport_application"

// passportApplication declares the situation (docs/events.md).
var passportApplication = situationDecl{PassportApplication, "Žádost o cestovní pas", nil}
