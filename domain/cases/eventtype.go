package cases

// EventType names a kind of event on a case's stream; the names are the
// public contract of the API (docs/LAW.md §5). Code names an event type only
// through these constants, so that a misspelt one does not compile.
type EventType string

// Event types.
const (
	CaseOpenedType               EventType = "CaseOpened"
	IncidentReportedType         EventType = "IncidentReported"
	OldCardFoundType             EventType = "OldCardFound"
	OldCardSurrenderedType       EventType = "OldCardSurrendered"
	LostCardUsedType             EventType = "LostCardUsed"
	ResidenceChangeReportedType  EventType = "ResidenceChangeReported"
	ResidenceRecordCancelledType EventType = "ResidenceRecordCancelled"
	PermanentResidenceEndedType  EventType = "PermanentResidenceEnded"
	IDCardSurrenderedType        EventType = "IDCardSurrendered"
	MaritalStatusChangedType     EventType = "MaritalStatusChanged"
	CitizenTurned15Type          EventType = "CitizenTurned15"
	IDCardExpiredType            EventType = "IDCardExpired"
	NameChangedType              EventType = "NameChanged"
	ApplicationFiledType         EventType = "ApplicationFiled"
	DocumentReadyType            EventType = "DocumentReady"
	CollectionReminderSentType   EventType = "CollectionReminderSent"
	DocumentCollectedType        EventType = "DocumentCollected"
	ObligationExcusedType        EventType = "ObligationExcused"
	FlagReviewedType             EventType = "FlagReviewed"
	CaseClosedType               EventType = "CaseClosed"
	// Consent to reminders by e-mail (docs/LAW.md §5.4); every situation takes them.
	ContactConsentGivenType     EventType = "ContactConsentGiven"
	ContactConsentWithdrawnType EventType = "ContactConsentWithdrawn"
	// local_fee (docs/LAW.md §9); PaymentReceived is taken by every situation.
	LocalFeeLiabilityAroseType   EventType = "LocalFeeLiabilityArose"
	LocalFeeLiabilityEndedType   EventType = "LocalFeeLiabilityEnded"
	LocalFeeExemptionGrantedType EventType = "LocalFeeExemptionGranted"
	LocalFeeIncreasedType        EventType = "LocalFeeIncreased"
	PaymentReceivedType          EventType = "PaymentReceived"
	// People at the counter: who the citizen is, who works on the case.
	CitizenCorrectedType      EventType = "CitizenCorrected"
	CaseAssignedType          EventType = "CaseAssigned"
	CaseUnassignedType        EventType = "CaseUnassigned"
	CaseReferenceAssignedType EventType = "CaseReferenceAssigned"
	// Retention and disposal (docs/RETENTION.md).
	RetentionScheduledType    EventType = "RetentionScheduled"
	RetentionHoldPlacedType   EventType = "RetentionHoldPlaced"
	RetentionHoldReleasedType EventType = "RetentionHoldReleased"
	CaseDisposedType          EventType = "CaseDisposed"
)
