/** What the fixture portal publishes: the sample portal's content (sample/portal/content.ts). */
export * from '../../sample/portal/content.ts';
