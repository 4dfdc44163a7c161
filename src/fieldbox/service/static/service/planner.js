/* The planners' calendars (@event-calendar, served from our static files).
 *
 * Events come from the planner's JSON endpoint; times are wall-clock times on the organisation's clock, sent
 * and read back without a zone. A drag to another time, day or lane (person or resource), a resize, or a drop of
 * a work order from the side list posts to the server, which runs the same service as the forms: a refusal comes
 * back as a message and the calendar puts the event back. A click on a day opens that person's day (the activity
 * planner).
 */
(function () {
  "use strict";

  function readConfig() {
    var node = document.getElementById("planner-config");
    return node ? JSON.parse(node.textContent) : null;
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  // The wall-clock text of a calendar date ("2026-12-07T09:00"), as the calendar shows it.
  function wall(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function dayText(d) {
    return wall(d).slice(0, 10);
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function start() {
    var config = readConfig();
    var element = document.getElementById("planner-calendar");
    if (!config || !element || typeof EventCalendar === "undefined") return;
    var status = document.getElementById("planner-status");
    var calendar;
    var freeDay = null;

    function say(text, kind) {
      status.textContent = text || "";
      status.className = "planner-status" + (kind ? " " + kind : "");
    }

    function query(extra) {
      var params = new URLSearchParams(extra || {});
      Object.keys(config.params).forEach(function (key) {
        params.set(key, config.params[key]);
      });
      return params.toString();
    }

    function post(url, fields) {
      say(config.texts.saving, "");
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": config.csrf || csrfToken() },
        body: new URLSearchParams(fields),
      }).then(
        function (response) {
          return response
            .json()
            .catch(function () {
              return { error: response.statusText };
            })
            .then(function (body) {
              var ok = response.ok;
              say(ok ? body.message : body.error || response.statusText, ok ? "ok" : "error");
              return ok;
            });
        },
        function () {
          say(config.texts.offline, "error");
          return false;
        }
      );
    }

    function moveUrl(event) {
      var props = event.extendedProps;
      var base = props.kind === "work_order" ? config.urls.plan : config.urls.activityMove;
      return base.replace("/0/", "/" + props.pk + "/");
    }

    function sendMove(info) {
      var event = info.event;
      var fields = { start: wall(event.start), minutes: String(Math.round((event.end - event.start) / 60000)) };
      if (info.oldResource && info.newResource) {
        fields.from = info.oldResource.id;
        fields.to = info.newResource.id;
      }
      post(moveUrl(event), fields).then(function (ok) {
        if (!ok) info.revert();
        calendar.refetchEvents();
        loadFree();
      });
    }

    function openDay(date, resource) {
      var lane = resource ? resource.id : config.lane;
      if (!lane) return;
      window.location.href = config.urls.day + "?lane=" + encodeURIComponent(lane) + "&day=" + dayText(date);
    }

    var views = config.views;
    var buttons = {};
    buttons[views.day] = config.texts.day;
    buttons[views.week] = config.texts.week;
    buttons[views.month] = config.texts.month;
    buttons.today = config.texts.today;
    var narrow = window.matchMedia("(max-width: 600px)").matches;

    calendar = EventCalendar.create(element, {
      view: views[config.view] || views.week,
      date: config.date,
      locale: config.locale,
      firstDay: 1,
      height: "auto",
      headerToolbar: { start: "prev,next today", center: "title", end: [views.day, views.week, views.month].join(",") },
      buttonText: function (text) {
        return Object.assign({}, text, buttons);
      },
      resources: config.lanes,
      allDaySlot: false,
      slotMinTime: "06:00",
      slotMaxTime: "21:00",
      scrollTime: "07:00",
      flexibleSlotTimeLimits: true,
      nowIndicator: true,
      columnWidth: config.mode === "lanes" ? (narrow ? "120px" : "160px") : undefined,
      views: {
        resourceTimelineWeek: { slotDuration: { days: 1 }, slotWidth: narrow ? 110 : 150 },
        resourceTimelineMonth: { slotWidth: 44 },
        resourceTimeGridDay: { slotDuration: "00:30" },
        timeGridWeek: { slotDuration: "00:30" },
      },
      eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      dayMaxEvents: true,
      editable: config.canChange,
      pointer: config.canChange,
      eventSources: [
        {
          events: function (fetchInfo) {
            var url = config.urls.events + "?" + query({ start: dayText(fetchInfo.start), end: dayText(fetchInfo.end) });
            return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
              .then(function (response) {
                if (!response.ok) throw new Error(response.statusText);
                return response.json();
              })
              .catch(function () {
                say(config.texts.failed, "error");
                return [];
              });
          },
        },
      ],
      eventDidMount: function (info) {
        info.el.setAttribute("data-testid", "event-" + info.event.id);
        info.el.setAttribute("data-event", info.event.id);
        var props = info.event.extendedProps;
        if (props.statusLabel) info.el.setAttribute("title", info.event.title + " · " + props.statusLabel);
      },
      eventDrop: sendMove,
      eventResize: sendMove,
      eventClick: function (info) {
        var props = info.event.extendedProps;
        if (props.kind === "activity") {
          window.location.href = config.urls.activityMove.replace("/0/move/", "/" + props.pk + "/");
        } else {
          var lane = (props.lanes && props.lanes[0]) || config.lane;
          if (lane) window.location.href = config.urls.day + "?lane=" + encodeURIComponent(lane) + "&day=" + dayText(info.event.start);
        }
      },
      dateClick: function (info) {
        openDay(info.date, info.resource);
      },
      datesSet: function (info) {
        // The day asked for when it is shown, else today when it is, else the first day shown.
        var first = info.view.currentStart;
        var end = info.view.currentEnd;
        var asked = new Date(config.date + "T12:00:00");
        var now = new Date();
        var shown = function (d) {
          return d >= first && d < end;
        };
        loadFree(shown(asked) ? asked : shown(now) ? now : first);
      },
    });

    calendar.gotoDate(config.date); // a timeline scrolls to the day asked for, not to today
    element.calendar = calendar; // for the browser tests and the console

    // Who is free on the first day shown (the planner's view of who is free), after every change.
    function loadFree(from) {
      var panel = document.getElementById("planner-free");
      if (!panel) return;
      if (from) freeDay = dayText(from);
      if (!freeDay) return;
      var params = new URLSearchParams({ day: freeDay });
      if (panel.dataset.team) params.set("team", panel.dataset.team);
      fetch(config.urls.free + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.text() : "";
        })
        .then(function (html) {
          panel.innerHTML = html;
        })
        .catch(function () {});
    }

    // Work orders to plan: dragged from the side list onto a day, a time and a lane.
    if (!config.canChange) return;
    var dragged = null;
    document.querySelectorAll("[data-work-order]").forEach(function (item) {
      item.addEventListener("dragstart", function (e) {
        dragged = item;
        e.dataTransfer.effectAllowed = "move";
        e.dataTransfer.setData("text/plain", item.dataset.workOrder);
      });
      item.addEventListener("dragend", function () {
        element.classList.remove("drop-here");
      });
    });
    element.addEventListener("dragover", function (e) {
      if (!dragged) return;
      e.preventDefault();
      element.classList.add("drop-here");
    });
    element.addEventListener("dragleave", function () {
      element.classList.remove("drop-here");
    });
    element.addEventListener("drop", function (e) {
      element.classList.remove("drop-here");
      if (!dragged) return;
      e.preventDefault();
      var item = dragged;
      dragged = null;
      var spot = calendar.dateFromPoint(e.clientX, e.clientY);
      if (!spot) return;
      var when = wall(spot.date);
      if (spot.allDay) when = when.slice(0, 11) + config.planAt; // a day without a time: the working day's start
      var lane = spot.resource ? spot.resource.id : config.lane;
      var fields = { start: when };
      if (lane) fields.to = lane;
      post(config.urls.plan.replace("/0/", "/" + item.dataset.workOrder + "/"), fields).then(function (ok) {
        if (ok) item.remove();
        calendar.refetchEvents();
        loadFree();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
