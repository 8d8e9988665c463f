package iyzico

import (
	"context"
	"errors"
	"fmt"

	"github.com/kasapos/kasa/internal/money"
)

// InstallmentOption is one installment plan iyzico offers for a card.
type InstallmentOption struct {
	Count       int
	Installment money.Amount // each installment
	Total       money.Amount // what the cardholder pays in all
}

// CardInfo describes the card behind a BIN, with its installment plans.
type CardInfo struct {
	BIN             string
	BankName        string
	BankCode        int
	CardType        string // CREDIT_CARD, DEBIT_CARD, PREPAID_CARD
	CardAssociation string // VISA, MASTER_CARD, TROY, AMERICAN_EXPRESS
	CardFamily      string // Bonus, Axess, World...
	Force3DS        bool
	Commercial      bool
	Options         []InstallmentOption
}

// Installments asks /payment/iyzipos/installment for the plans of a BIN
// (6 or 8 digits) at amount. There is no gateway interface for it yet.
func (g *Gateway) Installments(ctx context.Context, bin string, amount money.Amount) ([]CardInfo, error) {
	if l := len(bin); l != 6 && l != 8 {
		return nil, fmt.Errorf("iyzico: BIN must have 6 or 8 digits")
	}
	for _, r := range bin {
		if r < '0' || r > '9' {
			return nil, errors.New("iyzico: BIN must be digits")
		}
	}
	if amount.Minor <= 0 || !descriptor.SupportsCurrency(amount.Currency) {
		return nil, errors.New("iyzico: invalid amount")
	}
	resp, res := g.call(ctx, PathInstallment, &installmentRequest{
		Locale: defaultLocale, ConversationID: bin, BinNumber: bin, Price: FormatPrice(amount),
	})
	if res != nil {
		return nil, res.Err
	}
	if resp.Status != statusSuccess {
		return nil, fmt.Errorf("iyzico: installment query failed: %s %s", resp.ErrorCode, resp.ErrorMessage)
	}
	out := make([]CardInfo, 0, len(resp.InstallmentDetails))
	for _, d := range resp.InstallmentDetails {
		ci := CardInfo{
			BIN: d.BinNumber, BankName: d.BankName, BankCode: d.BankCode, CardType: d.CardType,
			CardAssociation: d.CardAssociation, CardFamily: d.CardFamilyName, Force3DS: d.Force3DS == 1, Commercial: d.Commercial == 1,
		}
		for _, p := range d.InstallmentPrices {
			each, err := parsePrice(p.InstallmentPrice, amount.Currency)
			if err != nil {
				return nil, err
			}
			total, err := parsePrice(p.TotalPrice, amount.Currency)
			if err != nil {
				return nil, err
			}
			ci.Options = append(ci.Options, InstallmentOption{Count: p.InstallmentNumber, Installment: each, Total: total})
		}
		out = append(out, ci)
	}
	return out, nil
}
