"use client";

import { type KeyboardEvent, useRef } from "react";

// A row of tabs as the ARIA pattern has it: one tab stop (the selected tab), the arrow keys,
// Home and End move between tabs and select them, and each tab names the panel it controls.
// The panels are the caller's: each has role="tabpanel", id={panelId} and
// aria-labelledby={tabId(id)}.

export interface Tab<T extends string> {
  id: T;
  label: string;
  panelId: string;
}

export const tabId = (id: string) => `tab-${id}`;

export function TabList<T extends string>(props: {
  label: string;
  tabs: Tab<T>[];
  selected: T;
  onSelect: (id: T) => void;
  className?: string;
  tabClassName: (isSelected: boolean) => string;
}) {
  const list = useRef<HTMLDivElement>(null);
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const index = props.tabs.findIndex((t) => t.id === props.selected);
    const last = props.tabs.length - 1;
    const next = {
      ArrowRight: index === last ? 0 : index + 1,
      ArrowLeft: index === 0 ? last : index - 1,
      Home: 0,
      End: last,
    }[event.key];
    const tab = next === undefined ? undefined : props.tabs[next];
    if (!tab) return;
    event.preventDefault();
    props.onSelect(tab.id);
    list.current?.querySelector<HTMLElement>(`#${tabId(tab.id)}`)?.focus();
  };
  return (
    <div
      ref={list}
      role="tablist"
      aria-label={props.label}
      onKeyDown={onKeyDown}
      className={props.className}
    >
      {props.tabs.map((tab) => {
        const isSelected = tab.id === props.selected;
        return (
          <button
            key={tab.id}
            id={tabId(tab.id)}
            type="button"
            role="tab"
            aria-selected={isSelected}
            aria-controls={tab.panelId}
            tabIndex={isSelected ? 0 : -1}
            onClick={() => props.onSelect(tab.id)}
            className={props.tabClassName(isSelected)}
          >
            {tab.label}
          </button>
        );
      })}
    </div>
  );
}
