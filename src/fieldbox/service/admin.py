from django.contrib import admin

from fieldbox.service.models import Contact, InboundMail, Mailbox, Team, Ticket, TicketMessage

admin.site.register(Team)
admin.site.register(Mailbox)
admin.site.register(Contact)
admin.site.register(InboundMail)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["number", "subject", "status", "team", "organisation"]
    readonly_fields = ["status"]


@admin.register(TicketMessage)
class TicketMessageAdmin(admin.ModelAdmin):
    list_display = ["ticket", "kind", "sender", "subject", "created_at"]
